import { ChainVerifier, type VerifyReport } from '@apitrail/integrity';
import { progressReporter, reportProblem, table, type Output } from './output.js';
import { readRecords } from './records.js';

export interface VerifyOutcome {
  readonly report: VerifyReport;
  readonly unreadableFiles: number;
}

/**
 * Verifies every chain in `files`. A line that does not parse is itself a finding (an edit or a
 * cut mid-line); an unreadable file is an error.
 */
export async function verifyFiles(files: readonly string[], key: Buffer, output: Output): Promise<VerifyOutcome> {
  const verifier = new ChainVerifier(key);
  const malformed: { location: string; reason: string }[] = [];
  let unreadableFiles = 0;
  let problems = 0;
  const progress = progressReporter(output, 'verifying');
  await readRecords(files, {
    record: (record) => verifier.add(record),
    malformed(file, line, reason) {
      malformed.push({ location: `${file}:${line}`, reason });
    },
    unreadable(file, reason) {
      reportProblem(output, problems++, `cannot read ${file}: ${reason}`);
      unreadableFiles++;
    },
    progress: progress.update,
  });
  progress.done();
  const report = verifier.finish();
  for (const { location, reason } of malformed) {
    report.findings.push({ kind: 'modified', location, detail: `unreadable line: ${reason}` });
  }
  return { report, unreadableFiles };
}

export function verifyText({ report }: VerifyOutcome): string {
  const chains = table(
    ['chain', 'key id', 'records', 'seq', 'closed'],
    report.chains.map((chain) => [
      chain.chainId,
      chain.keyId,
      String(chain.records),
      `${chain.firstSequence}-${chain.lastSequence}`,
      chain.closed ? 'yes' : 'no',
    ]),
  );
  const findings =
    report.findings.length === 0
      ? `OK: ${report.records} records, ${report.chains.length} chains, no findings\n`
      : table(
          ['finding', 'where', 'chain', 'detail'],
          report.findings.map((finding) => [
            finding.kind,
            finding.location ?? '',
            finding.chainId ?? '',
            finding.detail,
          ]),
        ) + `${report.findings.length} findings in ${report.records} records\n`;
  return `${chains}\n${findings}`;
}
