import { expect } from 'chai';
import { logs } from '@opentelemetry/api';
import { ExportResultCode, millisToHrTime } from '@opentelemetry/core';
import { LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  APITRAIL_EVENTS,
  OWASP_EVENTS,
  EVENT_API_REQUEST,
  SECURITY_LOGGER_NAME,
  faultCounts,
} from '@apitrail/core/internal';
import { DETECT_DEFAULTS, DetectionLogRecordProcessor, detectionProcessors } from '@apitrail/detect';
import { createRedactor } from '@apitrail/redaction';
import { randomKeyId, testIp } from '../helpers/detect-scenarios.ts';

describe('DetectionLogRecordProcessor (in-process, real SDK)', () => {
  let provider: LoggerProvider;
  let exported: ReadableLogRecord[];

  beforeEach(() => {
    exported = [];
    provider = new LoggerProvider({
      processors: [
        new DetectionLogRecordProcessor(DETECT_DEFAULTS),
        new SimpleLogRecordProcessor({
          exporter: {
            export: (batch, done) => {
              exported.push(...batch);
              done({ code: ExportResultCode.SUCCESS });
            },
            shutdown: () => Promise.resolve(),
            forceFlush: () => Promise.resolve(),
          },
        }),
      ],
    });
    logs.setGlobalLoggerProvider(provider);
  });

  afterEach(async () => {
    logs.disable();
    await provider.shutdown();
  });

  const alerts = () => exported.filter((record) => record.eventName !== EVENT_API_REQUEST);

  it('emits one alert record through the Logs API when a key shows up from a sixth IP', () => {
    const key = randomKeyId();
    const logger = provider.getLogger('api');
    for (let ip = 0; ip < 8; ip++) {
      logger.emit({
        eventName: EVENT_API_REQUEST,
        timestamp: Date.UTC(2026, 0, 1) + ip * 1000,
        attributes: { 'api_key.id': key, 'client.address': testIp(ip), 'http.response.status_code': 200 },
      });
    }
    const [alert, ...others] = alerts();
    expect(others).to.deep.equal([]);
    expect(alert!.eventName).to.equal(APITRAIL_EVENTS.keyMultipleSourceIps);
    expect(alert!.instrumentationScope.name).to.equal(SECURITY_LOGGER_NAME);
    expect(alert!.severityText).to.equal('ERROR');
    expect(alert!.hrTime[0]).to.equal(Date.UTC(2026, 0, 1) / 1000 + 5);
    expect(alert!.attributes).to.include({
      'api_key.id': key,
      'apitrail.alert.count': 6,
      'security_rule.version': '1',
    });
    expect(alert!.body).to.equal(`apitrail_key_multiple_source_ips (api_key ${key}): 6 > 5 in 3600 s`);
    expect(createRedactor().redactText(alert!.body as string), 'redaction leaves the subject readable').to.equal(
      alert!.body,
    );
  });

  it('counts 404s from 30 addresses of one IPv6 /64 as one source: one alert naming an address and the /64', () => {
    const logger = provider.getLogger('api');
    const addresses = Array.from({ length: 30 }, (_, n) => `2001:db8:7:8::${(n + 1).toString(16)}`);
    addresses.forEach((address, n) =>
      logger.emit({
        eventName: EVENT_API_REQUEST,
        timestamp: Date.UTC(2026, 0, 1) + n * 1000,
        attributes: { 'client.address': address, 'http.response.status_code': 404 },
      }),
    );
    const [alert, ...others] = alerts();
    expect(others).to.deep.equal([]);
    expect(alert!.eventName).to.equal(OWASP_EVENTS.maliciousExcess404);
    expect(alert!.attributes).to.include({
      'client.address': '2001:db8:7:8::15',
      'apitrail.alert.source_network': '2001:db8:7:8::/64',
      'apitrail.alert.count': 21,
    });
    expect(alert!.attributes['apitrail.alert.sample_ips']).to.deep.equal(['2001:db8:7:8::15']);
    expect(alert!.body).to.equal(
      'apitrail_not_found_scan (source_ip 2001:db8:7:8::15 in 2001:db8:7:8::/64): 21 > 20 in 300 s',
    );
    expect(createRedactor().redactText(alert!.body as string), 'redaction leaves the source readable').to.equal(
      alert!.body,
    );
  });

  it('keeps counting when the wall clock is stepped forward and back (NTP, an operator)', () => {
    const key = randomKeyId();
    const logger = provider.getLogger('api');
    const now = Date.now();
    const refused = (timestamp: number, ip: number): void =>
      logger.emit({
        eventName: EVENT_API_REQUEST,
        timestamp,
        attributes: { 'api_key.id': key, 'client.address': testIp(ip), 'http.response.status_code': 401 },
      });
    // One record stamped while the clock was a day ahead, then the corrected clock: the key's
    // eleven 401s within seconds are a burst (threshold 10), whatever that one record said.
    refused(now + 86_400_000, 0);
    for (let n = 1; n <= 10; n++) refused(now + n, n % 3);
    const burst = alerts().filter(
      (record) => record.eventName === OWASP_EVENTS.authnLoginFailMax && record.attributes['api_key.id'] === key,
    );
    expect(burst, 'the key’s 401 burst').to.have.length(1);
    expect(burst[0]!.hrTime, 'stamped with the time of the record that tipped the count').to.deep.equal(
      millisToHrTime(now + 10),
    );
  });

  it('never feeds on records other than audit records, its own alerts included', () => {
    const logger = provider.getLogger(SECURITY_LOGGER_NAME);
    for (let n = 0; n < 200; n++) {
      logger.emit({
        eventName: APITRAIL_EVENTS.keyMultipleSourceIps,
        attributes: { 'api_key.id': 'k', 'client.address': testIp(n), 'http.response.status_code': 401 },
      });
      provider
        .getLogger('app')
        .emit({ body: 'no event name', attributes: { 'api_key.id': 'k', 'client.address': testIp(n) } });
    }
    expect(alerts()).to.have.length(400);
    expect(
      exported.every(
        (record) =>
          record.instrumentationScope.name !== SECURITY_LOGGER_NAME ||
          record.attributes['security_rule.name'] === undefined,
      ),
    ).to.equal(true);
  });

  it('tolerates hostile attribute values without failing the emit', () => {
    const logger = provider.getLogger('api');
    const before = faultCounts().get('detection processor') ?? 0;
    for (const attributes of [
      { 'api_key.id': { toString: 'x' } as never, 'http.response.status_code': 'abc' },
      { 'api_key.id': ['a', 'b'], 'client.address': 42 as never },
      { 'api_key.id': '', 'client.address': '', 'http.response.status_code': '401' },
    ]) {
      expect(() => logger.emit({ eventName: EVENT_API_REQUEST, attributes })).to.not.throw();
    }
    expect(faultCounts().get('detection processor') ?? 0).to.equal(before);
    expect(alerts()).to.deep.equal([]);
  });

  it('is not installed when APITRAIL_DETECT_ENABLED=false', () => {
    expect(detectionProcessors({ ...DETECT_DEFAULTS, enabled: false })).to.deep.equal([]);
    expect(detectionProcessors(DETECT_DEFAULTS)[0]).to.be.instanceOf(DetectionLogRecordProcessor);
  });
});
