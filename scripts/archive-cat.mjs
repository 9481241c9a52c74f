// Prints archive files (collector-config/gateway.yaml's file/archive, compressed or not) as NDJSON:
// one OTLP-JSON export per line, ready for jq. The decoding is the apitrail CLI's (npm run build).
//   node scripts/archive-cat.mjs /var/lib/otelcol/apitrail-archive/logs.otlp.jsonl [more files...]
if (process.argv.length < 3) {
  process.stderr.write('usage: node scripts/archive-cat.mjs <archive file>...\n');
  process.exit(64);
}
const { inputLines, openInput } = await import('@apitrail/cli/internal').catch((error) => {
  process.stderr.write(`archive-cat: the CLI package is not built (npm run build): ${error.message}\n`);
  process.exit(70);
});
for (const file of process.argv.slice(2)) {
  let entry = 0;
  try {
    for await (const line of inputLines(openInput(file))) {
      entry++;
      if (typeof line === 'string') process.stdout.write(`${line}\n`);
      else {
        process.stderr.write(`archive-cat: ${file}:${entry}: ${line.reason}\n`);
        process.exitCode = 1;
      }
    }
  } catch (error) {
    process.stderr.write(`archive-cat: cannot read ${file}: ${error.message}\n`);
    process.exitCode = 1;
  }
}
