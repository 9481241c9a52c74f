// A credential sent as a correlation id (X-Request-ID) would be masked in every record of its request,
// leaving the request impossible to correlate. apitrail refuses it like a malformed id: a fresh
// UUIDv7 replaces it and an `input_validation_fail` event says why; the credential reaches nothing
// exported. Through the zero-code register, a real server and the real collector; a well-formed
// ordinary id is the control that shows ids are otherwise kept.
import { expect } from 'chai';
import { ATTR_CORRELATION_ID, ATTR_EVENT_REASON, ATTR_URL_PATH, EVENT_API_REQUEST } from '@apitrail/core/internal';
import { CREDENTIAL_FORMATS } from '@apitrail/redaction/internal';
import type { RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import { samplesOf } from '../helpers/credential-samples.ts';
import type { ExportedLogRecord } from '../helpers/otlp-json.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Prefixed formats whose tokens are valid correlation ids (`[A-Za-z0-9._:-]`, at most 128). */
const CREDENTIALS = CREDENTIAL_FORMATS.filter((format) => format.prefixes.length > 0 && format.keywords === undefined)
  .flatMap((format) => samplesOf(format, 1))
  .filter((sample) => /^[A-Za-z0-9._:-]{1,128}$/.test(sample.secret))
  .filter((_, index) => index % 8 === 0);

describe('redaction: a credential sent as a correlation id', function () {
  this.timeout(120_000);
  let collector: RunningCollector;
  let app: RunningApp;
  let logs: ExportedLogRecord[];
  const control = `req-${Date.now()}-ordinary`;

  before(async function () {
    ({ collector, app } = await startAppBehindCollector(this, { serviceName: 'redaction-correlation-id' }));
    const requests = [
      { path: '/api/v1/scans/control', id: control },
      ...CREDENTIALS.map((sample, index) => ({ path: `/api/v1/scans/credential-${index}`, id: sample.secret })),
    ];
    for (const { path, id } of requests) {
      const response = await fetch(`${app.baseUrl}${path}`, { headers: { 'x-request-id': id } });
      await response.arrayBuffer();
    }
    logs = await waitFor('every audit record and event exported', async () => {
      const exported = await collector.logs();
      const audits = exported.filter((log) => log.eventName === EVENT_API_REQUEST);
      const events = exported.filter((log) => log.attributes[ATTR_EVENT_REASON] === 'correlation_id_credential');
      return audits.length >= requests.length && events.length >= CREDENTIALS.length ? exported : undefined;
    });
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  const auditAt = (path: string): ExportedLogRecord => {
    const record = logs.find((log) => log.eventName === EVENT_API_REQUEST && log.attributes[ATTR_URL_PATH] === path);
    expect(record, `the audit record of ${path}`).to.not.equal(undefined);
    return record!;
  };

  it('keeps an ordinary well-formed id (the control)', () => {
    expect(auditAt('/api/v1/scans/control').attributes[ATTR_CORRELATION_ID]).to.equal(control);
  });

  it(`replaces a credential id with a fresh UUIDv7 (${CREDENTIALS.length} formats), with an input_validation_fail event per request`, () => {
    expect(CREDENTIALS.length).to.be.at.least(10);
    const ids = CREDENTIALS.map(
      (_, index) => auditAt(`/api/v1/scans/credential-${index}`).attributes[ATTR_CORRELATION_ID],
    );
    for (const id of ids) expect(id).to.match(UUID_V7);
    expect(new Set(ids).size, 'a fresh id per request').to.equal(ids.length);
    const events = logs.filter((log) => log.attributes[ATTR_EVENT_REASON] === 'correlation_id_credential');
    expect(events.map((event) => event.eventName)).to.deep.equal(CREDENTIALS.map(() => 'input_validation_fail'));
    // Each event belongs to its request: it carries the replacement id.
    expect(events.map((event) => event.attributes[ATTR_CORRELATION_ID]).sort()).to.deep.equal([...ids].sort());
  });

  it('exports no credential, not even an 8-character piece of one', async () => {
    const raw = await collector.rawOutput();
    const leaked = CREDENTIALS.filter((sample) =>
      Array.from({ length: sample.secret.length - 7 }, (_, at) => sample.secret.slice(at, at + 8)).some((piece) =>
        raw.includes(piece),
      ),
    ).map((sample) => sample.format);
    expect(leaked).to.deep.equal([]);
  });
});
