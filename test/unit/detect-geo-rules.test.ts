// The response-oriented detection rules over replayed traffic: a key's new country and new AS
// number after its baseline, impossible travel, credential stuffing and tenant enumeration; each
// with its control (the traffic that must not alert), cooldowns, and bounded memory.
import { expect } from 'chai';
import {
  DETECT_DEFAULTS,
  Detector,
  alertMessage,
  readDetectConfig,
  type Alert,
  type DetectConfig,
  type DetectionEvent,
} from '@apitrail/detect/internal';

const START_MS = Date.UTC(2026, 0, 15, 9, 0, 0);

type Replayed = Partial<DetectionEvent> & { at: number };

function replay(events: readonly Replayed[], config: Partial<DetectConfig> = {}): Alert[] {
  const alerts: Alert[] = [];
  const detector = new Detector({ ...DETECT_DEFAULTS, ...config }, (alert) => alerts.push(alert));
  for (const { at, ...event } of events) {
    detector.observe({
      apiKey: undefined,
      sourceIp: undefined,
      statusCode: 200,
      tenantMismatch: false,
      ...event,
      timeMs: START_MS + at * 1000,
    });
  }
  return alerts;
}

const names = (alerts: readonly Alert[]) => alerts.map((alert) => alert.rule.name);

/** A key's normal life: `count` requests from Germany (AS 3320), one a minute. */
function baseline(key: string, count = 30): Replayed[] {
  return Array.from({ length: count }, (_, i) => ({
    at: i * 60,
    apiKey: key,
    sourceIp: '198.51.100.1',
    country: 'DE',
    asNumber: 3320,
  }));
}

describe('detection rules: geography and sources', () => {
  it('a new country and a new AS after the baseline alert once each; the same traffic during the baseline does not', () => {
    const key = 'k-geo';
    const later = 30 * 60 + 3600;
    const alerts = replay([
      ...baseline(key),
      { at: later, apiKey: key, sourceIp: '203.0.113.9', country: 'BR', asNumber: 28573 },
      { at: later + 600, apiKey: key, sourceIp: '203.0.113.9', country: 'BR', asNumber: 28573 },
    ]);
    const geo = alerts.filter((alert) => alert.rule.name !== 'apitrail_impossible_travel');
    expect(names(geo)).to.deep.equal(['apitrail_key_new_country', 'apitrail_key_new_asn']);
    expect(geo[0]).to.include({ subjectKind: 'api_key', subject: key, value: 'BR' });
    expect(geo[1]).to.include({ value: '28573' });
    expect(alertMessage(geo[0]!)).to.equal('apitrail_key_new_country (api_key k-geo): BR not in its baseline');
    // Control: Brazil seen during the learning period is part of the baseline.
    const learnt = replay([
      { at: 0, apiKey: key, country: 'BR', asNumber: 28573 },
      ...baseline(key),
      { at: later, apiKey: key, country: 'BR', asNumber: 28573 },
    ]);
    expect(names(learnt)).to.not.include('apitrail_key_new_country');
    expect(names(learnt)).to.not.include('apitrail_key_new_asn');
  });

  it('impossible travel: Germany then Australia 10 minutes later is CRITICAL; neighbours or a long gap are not', () => {
    const alerts = replay([
      { at: 0, apiKey: 'k', country: 'DE', sourceIp: '198.51.100.1' },
      { at: 600, apiKey: 'k', country: 'AU', sourceIp: '203.0.113.7' },
    ]);
    const travel = alerts.filter((alert) => alert.rule.name === 'apitrail_impossible_travel');
    expect(travel).to.have.length(1);
    expect(travel[0]).to.include({ value: 'AU', previousValue: 'DE', count: 600 });
    expect(travel[0]!.rule).to.include({ eventName: 'authn_impossible_travel', severityText: 'CRITICAL' });
    expect(travel[0]!.threshold, 'centroid distance in km').to.be.within(13000, 17000);
    // Controls: neighbouring countries a minute apart; Germany → Australia two days apart.
    expect(
      names(
        replay([
          { at: 0, apiKey: 'k', country: 'DE' },
          { at: 60, apiKey: 'k', country: 'FR' },
        ]),
      ),
    ).to.deep.equal([]);
    expect(
      names(
        replay([
          { at: 0, apiKey: 'k', country: 'DE' },
          { at: 2 * 86400, apiKey: 'k', country: 'AU' },
        ]),
      ),
    ).to.deep.equal([]);
  });

  it('credential stuffing: more than 10 refused keys from one IP alert once; the same keys accepted do not', () => {
    const tried = (status: number, ip: string) =>
      Array.from({ length: 15 }, (_, i) => ({ at: i, apiKey: `guess-${i}`, sourceIp: ip, statusCode: status }));
    const alerts = replay(tried(401, '192.0.2.66')).filter(
      (alert) => alert.rule.name === 'apitrail_credential_stuffing',
    );
    expect(alerts).to.have.length(1);
    expect(alerts[0]).to.include({ subjectKind: 'source_ip', subject: '192.0.2.66', count: 11, threshold: 10 });
    const control = replay(tried(200, '192.0.2.67'));
    expect(names(control)).to.not.include('apitrail_credential_stuffing');
    const unregistered = Array.from({ length: 12 }, (_, i) => ({
      at: i,
      apiKey: `fingerprint:${i}`,
      sourceIp: '192.0.2.68',
    }));
    expect(names(replay(unregistered))).to.include('apitrail_credential_stuffing');
  });

  it('tenant enumeration: more than 5 claimed tenants from one IP alert; one tenant claimed often does not', () => {
    const claims = Array.from({ length: 8 }, (_, i) => ({
      at: i,
      sourceIp: '192.0.2.70',
      claimedTenant: `tenant-${i}`,
    }));
    const alerts = replay(claims).filter((alert) => alert.rule.name === 'apitrail_tenant_enumeration');
    expect(alerts).to.have.length(1);
    expect(alerts[0]).to.include({ subject: '192.0.2.70', count: 6, threshold: 5 });
    const same = Array.from({ length: 8 }, (_, i) => ({ at: i, sourceIp: '192.0.2.71', claimedTenant: 'tenant-a' }));
    expect(names(replay(same))).to.not.include('apitrail_tenant_enumeration');
  });

  it('cooldowns: one travel alert per key per cooldown, however often the key hops', () => {
    const hops = Array.from({ length: 20 }, (_, i) => ({
      at: i * 60,
      apiKey: 'hopper',
      country: i % 2 === 0 ? 'US' : 'JP',
    }));
    expect(names(replay(hops)).filter((name) => name === 'apitrail_impossible_travel')).to.have.length(1);
    expect(
      names(replay(hops, { cooldownSeconds: 0 })).filter((name) => name === 'apitrail_impossible_travel'),
      'control: without cooldown every hop alerts',
    ).to.have.length(19);
  });

  it('bounded memory: 50 000 keys through a 1 000-key detector keep a fixed footprint and still alert', () => {
    const alerts: Alert[] = [];
    const detector = new Detector({ ...DETECT_DEFAULTS, maxTrackedKeys: 1000, maxTrackedIps: 1000 }, (a) =>
      alerts.push(a),
    );
    for (let i = 0; i < 50_000; i++) {
      detector.observe({
        timeMs: START_MS + i,
        apiKey: `k${i}`,
        sourceIp: `198.51.${(i >> 8) & 255}.${i & 255}`,
        statusCode: 200,
        tenantMismatch: false,
        country: 'DE',
        asNumber: 3320,
      });
    }
    expect(detector.stats().trackedKeys).to.equal(1000);
    expect(detector.stats().evictedKeys).to.equal(49_000);
    detector.observe({
      timeMs: START_MS + 60_000,
      apiKey: 'k49999',
      sourceIp: undefined,
      statusCode: 200,
      tenantMismatch: false,
      country: 'NZ',
    });
    expect(names(alerts)).to.include('apitrail_impossible_travel');
  });

  it("an evicted key's geography and cooldowns do not carry over to the key that takes its place", () => {
    // One tracked key: b takes a's slot, geography state and cooldown entry. Carried over, a's last
    // country (JP) would make b's first US request a travel alert, and a's cooldown would silence b's.
    const travel = (apiKey: string, at: number) => [
      { at, apiKey, country: 'US' },
      { at: at + 60, apiKey, country: 'JP' },
    ];
    const travellers = (events: Replayed[]) =>
      replay(events, { maxTrackedKeys: 1 })
        .filter((alert) => alert.rule.name === 'apitrail_impossible_travel')
        .map((alert) => alert.subject);
    expect(travellers([...travel('a', 0), { at: 120, apiKey: 'b', country: 'US' }])).to.deep.equal(['a']);
    expect(travellers([...travel('a', 0), ...travel('b', 120)])).to.deep.equal(['a', 'b']);
    const placedOnce = replay([{ at: 0, apiKey: 'a', sourceIp: '127.0.0.1' }, ...travel('a', 60)], {
      maxTrackedKeys: 1,
    });
    expect(names(placedOnce), 'a key first seen unplaced gets its state on its first placed request').to.include(
      'apitrail_impossible_travel',
    );
  });

  it('reads the new thresholds, refusing out-of-range values', () => {
    expect(
      readDetectConfig({ APITRAIL_DETECT_MAX_TRAVEL_KMH: '900', APITRAIL_DETECT_GEO_BASELINE_SECONDS: '0' }),
    ).to.include({
      maxTravelKmh: 900,
      geoBaselineSeconds: 0,
      maxKeysPerIp: 10,
      maxTenantsPerIp: 5,
    });
    expect(() => readDetectConfig({ APITRAIL_DETECT_MAX_KEYS_PER_IP: '64' })).to.throw(
      /APITRAIL_DETECT_MAX_KEYS_PER_IP/,
    );
  });
});
