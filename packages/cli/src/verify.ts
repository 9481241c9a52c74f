import { readFileSync } from 'node:fs';
import { LogVerifier, type Verifier, type VerifyReport } from '@apitrail/integrity';
import { progressReporter, reportProblem, table, type Output } from './output.js';
import { readRecords } from './records.js';

/** What `apitrail verify` found: the verifier's report and the number of files it could not read. */
export interface VerifyOutcome {
  readonly report: VerifyReport;
  readonly unreadableFiles: number;
}

export interface WitnessCheck {
  readonly key: Verifier;
  /** The witness's state file: the last checkpoint it cosigned per log. */
  readonly stateFile: string;
}

/** The cosigned checkpoints of a witness state file (`apitrail witness --state`). */
function witnessedCheckpoints(stateFile: string): string[] {
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { logs?: Record<string, { checkpoint?: unknown }> };
  return Object.values(state.logs ?? {}).flatMap((log) => (typeof log.checkpoint === 'string' ? [log.checkpoint] : []));
}

/**
 * Verifies every log in `files` with the root public key. A line that does not parse is itself a
 * finding (an edit or a cut mid-line); an unreadable file is an error.
 */
export async function verifyFiles(
  files: readonly string[],
  rootKey: Verifier,
  output: Output,
  witness?: WitnessCheck,
): Promise<VerifyOutcome> {
  const verifier = new LogVerifier(rootKey);
  if (witness !== undefined) {
    for (const note of witnessedCheckpoints(witness.stateFile))
      verifier.addWitnessed(note, witness.key, witness.stateFile);
  }
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
  const logs = table(
    ['log', 'records', 'duplicates', 'checkpoints', 'verified', 'epochs', 'closed'],
    report.logs.map((log) => [
      log.logId,
      String(log.records),
      String(log.duplicates),
      String(log.checkpoints),
      String(log.verifiedSize),
      String(log.epochs),
      log.closed ? 'yes' : 'no',
    ]),
  );
  const findings =
    report.findings.length === 0
      ? `OK: ${report.records} records, ${report.logs.length} logs, no findings\n`
      : table(
          ['finding', 'where', 'log', 'detail'],
          report.findings.map((finding) => [finding.kind, finding.location ?? '', finding.logId ?? '', finding.detail]),
        ) + `${report.findings.length} findings in ${report.records} records\n`;
  return `${logs}\n${findings}`;
}
