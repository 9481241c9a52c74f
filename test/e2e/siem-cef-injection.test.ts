// CEF over syslog from the real gateway (gateway.yaml + siem-cef-syslog.yaml) into a real rsyslog,
// fed by a sender that types its attributes as it likes: OTLP lets an attribute be an array, a map,
// bytes or a number where apitrail sends a string. The CEF message must stay one message whose
// extensions are exactly the ones the gateway writes, whatever the type carrying the hostile text.
import { expect } from 'chai';
import { parseCef } from '../helpers/cef.ts';
import { requireCollector } from '../helpers/collector.ts';
import { startRsyslog, type RunningRsyslog } from '../helpers/rsyslog.ts';
import { startGateway, type Gateway } from '../helpers/apitrail-pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const FORGED = 'x act=forged src=6.6.6.6 | y\\ \r\nCEF:0|x|y|1|2|3|10|';

function anyValue(value: unknown): object {
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (typeof value === 'object' && value !== null) {
    return {
      kvlistValue: { values: Object.entries(value).map(([key, inner]) => ({ key, value: anyValue(inner) })) },
    };
  }
  return { stringValue: String(value) };
}

describe('CEF from the gateway: hostile text in non-string attribute values', function () {
  let rsyslog: RunningRsyslog;
  let gateway: Gateway;

  before(async function () {
    const binary = await requireCollector(this);
    rsyslog = await startRsyslog();
    gateway = await startGateway(binary, ['siem-cef-syslog.yaml'], {
      APITRAIL_SYSLOG_HOST: '127.0.0.1',
      APITRAIL_SYSLOG_PORT: String(rsyslog.port),
      APITRAIL_SYSLOG_TLS_INSECURE: 'true',
    });
  });

  after(async () => {
    await gateway?.stop();
    await rsyslog?.stop();
  });

  it('an array, a map and bytes carrying = | \\ and line breaks forge no extension and no message', async () => {
    const attributes = [
      { key: 'correlation.id', value: { stringValue: 'typed-1' } },
      { key: 'user_agent.original', value: anyValue([FORGED, FORGED]) },
      { key: 'api_key.name', value: anyValue({ name: FORGED }) },
      { key: 'url.path', value: { bytesValue: Buffer.from(FORGED).toString('base64') } },
      { key: 'tenant.id', value: anyValue([{ nested: FORGED }]) },
    ];
    const body = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'typed-sender' } }] },
          scopeLogs: [
            {
              scope: { name: 'apitrail.security', version: '1' },
              logRecords: [
                {
                  timeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
                  eventName: 'authn_login_fail',
                  severityNumber: 13,
                  body: anyValue({ message: FORGED }),
                  attributes: [...attributes, { key: 'event.category', value: { stringValue: 'authentication' } }],
                },
              ],
            },
          ],
        },
      ],
    });
    const response = await fetch(`${gateway.otlpHttpEndpoint}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status, await response.text()).to.equal(200);
    const messages = await waitFor('the CEF message at rsyslog', async () => {
      const received = await rsyslog.messages();
      return received.length > 0 ? received : undefined;
    });
    expect(messages).to.have.length(1);
    // parseCef refuses a duplicate key (the forged `act`, `src`), an unknown escape or a raw `|`.
    const cef = parseCef(/ (CEF:.*)$/.exec(messages[0]!)![1]!);
    expect(cef.name, 'a map body is written as JSON, escaped for the header').to.equal(
      JSON.stringify({ message: FORGED }),
    );
    expect(cef.extensions).to.deep.equal({
      rt: cef.extensions.rt,
      cs2Label: 'service',
      cs2: 'typed-sender',
      // Bytes are written as hex: nothing in them is CEF syntax.
      request: Buffer.from(FORGED).toString('hex'),
      cat: 'authentication',
      externalId: 'typed-1',
    });
  });
});
