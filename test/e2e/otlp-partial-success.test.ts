// A receiver that accepts an OTLP log export but refuses some of its records (a partial success:
// a record over its size limit, say). The specification forbids sending them again, so they are
// lost, and apitrail counts them as dropped: the app's exit summary says how many, where the SDK
// alone would count them as exported.
import { expect } from 'chai';
import { startApp } from '../helpers/app.ts';
import { startOtlpRecorder, type RecorderAnswer } from '../helpers/otlp-recorder.ts';

/** ExportLogsServiceResponse { partial_success { rejected_log_records: 1, error_message } }. */
const REFUSE_ONE = Buffer.from([0x0a, 0x0b, 0x08, 0x01, 0x12, 0x07, ...Buffer.from('too big')]);
const SUMMARY = /apitrail: (\d+) records spooled to .* \(exported at the next start\), (\d+) dropped/;

async function runAgainst(answer: RecorderAnswer) {
  const recorder = await startOtlpRecorder(answer);
  try {
    const app = await startApp({
      script: 'test/fixtures/request-scope-app.cjs',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: recorder.endpoint },
    });
    for (let request = 0; request < 6; request++) {
      expect((await fetch(`${app.baseUrl}/status/204`)).status).to.equal(204);
    }
    await app.stop();
    return { stderr: app.stderr(), logExports: recorder.exports.filter(({ path }) => path === '/v1/logs').length };
  } finally {
    await recorder.stop();
  }
}

describe('records an OTLP receiver refuses in an export it accepts', function () {
  it('are counted as dropped, one per refusal, in the exit summary', async () => {
    const { stderr, logExports } = await runAgainst(({ path }) => (path === '/v1/logs' ? REFUSE_ONE : ''));
    expect(logExports).to.be.above(0);
    const summary = SUMMARY.exec(stderr);
    expect(summary, `an exit summary in: ${stderr}`).to.not.equal(null);
    expect(Number(summary![1]), 'nothing left waiting').to.equal(0);
    expect(Number(summary![2])).to.equal(logExports);
  });

  it('control: a receiver that takes everything leaves nothing dropped and no summary', async () => {
    const { stderr, logExports } = await runAgainst(() => '');
    expect(logExports).to.be.above(0);
    expect(stderr).to.not.match(SUMMARY);
  });
});
