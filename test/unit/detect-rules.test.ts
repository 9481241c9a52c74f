import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ApitrailConfigError, APITRAIL_EVENTS, OWASP_EVENTS } from '@apitrail/core/internal';
import {
  DETECT_DEFAULTS,
  Detector,
  RULES,
  readDetectConfig,
  type Alert,
  type DetectConfig,
  type DetectionEvent,
} from '@apitrail/detect';
import { FINGERPRINT_PREFIX, alertAttributes, alertMessage } from '@apitrail/detect/internal';
import {
  authFailureBurst,
  leakedKey,
  normalTraffic,
  notFoundScan,
  randomKeyId,
  tenantMismatches,
  testIp,
  type ScriptedRequest,
} from '../helpers/detect-scenarios.ts';

const START_MS = Date.UTC(2026, 0, 15, 9, 0, 0);

function run(
  requests: readonly ScriptedRequest[],
  config: Partial<DetectConfig> = {},
): { alerts: Alert[]; detector: Detector } {
  const alerts: Alert[] = [];
  const detector = new Detector({ ...DETECT_DEFAULTS, ...config }, (alert) => alerts.push(alert));
  for (const request of requests) {
    detector.observe({
      timeMs: START_MS + request.offsetSeconds * 1000,
      apiKey: request.apiKeyId,
      sourceIp: request.sourceIp,
      statusCode: request.statusCode,
      tenantMismatch: request.claimedTenant !== undefined && request.claimedTenant !== request.tenant,
    });
  }
  return { alerts, detector };
}

const summary = (alerts: readonly Alert[]): string[] => alerts.map((a) => `${a.rule.eventName} ${a.subjectKind}`);

describe('detection rules', () => {
  it('a key used from 8 IPs raises one multiple-source-IPs alert, with evidence', () => {
    const key = randomKeyId();
    const { alerts } = run(leakedKey(key, 8));
    expect(summary(alerts)).to.deep.equal([`${APITRAIL_EVENTS.keyMultipleSourceIps} api_key`]);
    const [alert] = alerts;
    expect(alert!.subject).to.equal(key);
    expect(alert!.count).to.equal(6);
    expect(alert!.threshold).to.equal(5);
    expect(alert!.windowSeconds).to.equal(3600);
    expect(alert!.sampleIps).to.have.members([0, 1, 2, 3, 4, 5].map(testIp));
    // It fired on the sixth IP's first request: one incident, one alert.
    expect(alert!.timeMs).to.equal(START_MS + 5 * 60 * 1000);
  });

  it('5 IPs (the threshold) is not an alert, and IPs that left the window do not count', () => {
    expect(run(leakedKey(randomKeyId(), 5)).alerts).to.deep.equal([]);
    const key = randomKeyId();
    const early = leakedKey(key, 5);
    const later = [5, 6, 7].map((ip, n) => ({ ...early[0]!, sourceIp: testIp(ip), offsetSeconds: 2 * 3600 + n }));
    expect(run([...early, ...later]).alerts).to.deep.equal([]);
  });

  it('an event the 32-bit windows cannot hold (2^32 s later, before 1970) is ignored, not counted in a wrapped bucket', () => {
    const key = randomKeyId();
    const five = leakedKey(key, 5).map((request, n) => ({ ...request, offsetSeconds: n }));
    // 2^32 seconds later wraps to the same second: a sixth IP counted there raised an alert at the next request.
    const wrapped = { ...five[0]!, sourceIp: testIp(5), offsetSeconds: 2 ** 32 + 5 };
    const before1970 = { ...five[0]!, sourceIp: testIp(6), offsetSeconds: -START_MS / 1000 - 1 };
    const again = { ...five[0]!, offsetSeconds: 6 };
    expect(summary(run([...five, wrapped, before1970, again]).alerts)).to.deep.equal([]);
    // The same sixth IP in range is an alert.
    expect(summary(run([...five, { ...wrapped, offsetSeconds: 5 }]).alerts)).to.deep.equal([
      `${APITRAIL_EVENTS.keyMultipleSourceIps} api_key`,
    ]);
  });

  describe('source IPs of a key: IPv6 by /64 network, IPv4-mapped IPv6 as IPv4', () => {
    const at = (key: string, sourceIp: string, n: number): ScriptedRequest => ({
      offsetSeconds: n,
      apiKeyId: key,
      sourceIp,
      path: '/v1/items',
      statusCode: 200,
    });
    const interfaceId = () => Array.from({ length: 4 }, () => randomBytes(2).toString('hex')).join(':');

    it('one IPv6 client rotating privacy addresses (RFC 8981) in its /64 is one source', () => {
      const key = randomKeyId();
      const rotating = Array.from({ length: 40 }, (_, n) => at(key, `2001:db8:1:2:${interfaceId()}`, n));
      expect(run(rotating).alerts).to.deep.equal([]);
      // Written compressed, upper-case or with a zone, the /64 is the same.
      const forms = [
        '2001:DB8:1:2::1',
        '2001:db8:1:2::',
        '2001:0db8:0001:0002:ffff::9',
        'fe80::1%eth0',
        'fe80::2%eth1',
      ];
      expect(run(forms.map((ip, n) => at(key, ip, n))).alerts).to.deep.equal([]);
    });

    it('six /64 networks are six sources: an alert whose sample has one address of each', () => {
      const key = randomKeyId();
      const networks = [0, 1, 2, 3, 4, 5].map((n) => `2001:db8:${n.toString(16)}:ff00`);
      const requests = networks.flatMap((network, n) => [
        at(key, `${network}:${interfaceId()}`, 2 * n),
        at(key, `${network}:${interfaceId()}`, 2 * n + 1),
      ]);
      const { alerts } = run(requests);
      expect(summary(alerts)).to.deep.equal([`${APITRAIL_EVENTS.keyMultipleSourceIps} api_key`]);
      expect(alerts[0]!.count).to.equal(6);
      const sampled = alerts[0]!.sampleIps.map((ip) => ip.split(':').slice(0, 4).join(':'));
      expect(sampled).to.have.members(networks);
    });

    it('an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address; IPv4 is counted per address', () => {
      const key = randomKeyId();
      const five = [0, 1, 2, 3, 4].map(testIp);
      const mixed = five.flatMap((ip, n) => [
        at(key, ip, 3 * n),
        at(key, `::ffff:${ip}`, 3 * n + 1),
        at(key, `::FFFF:${ip}`, 3 * n + 2),
      ]);
      expect(run(mixed).alerts).to.deep.equal([]);
      // Six addresses of one IPv4 /24 are six sources, as before; so is a sixth address written mapped.
      expect(summary(run([...mixed, at(key, `::ffff:${testIp(5)}`, 20)]).alerts)).to.have.length(1);
      const sameSlash24 = [1, 2, 3, 4, 5, 6].map((n) => at(key, `198.51.100.${n}`, n));
      expect(summary(run(sameSlash24).alerts)).to.deep.equal([`${APITRAIL_EVENTS.keyMultipleSourceIps} api_key`]);
    });
  });

  describe('per-IP rules (bursts, stuffing, enumeration): an IPv6 source by its /64 network', () => {
    // An attacker with one /64 (what an ISP or a cloud VM hands out) has 2^64 addresses: counted
    // per address, one request from each stays under every per-IP threshold.
    type Request = Omit<DetectionEvent, 'timeMs' | 'tenantMismatch'> & { tenantMismatch?: boolean };
    const observeAll = (requests: readonly Request[], config: Partial<DetectConfig> = {}) => {
      const alerts: Alert[] = [];
      const detector = new Detector({ ...DETECT_DEFAULTS, ...config }, (alert) => alerts.push(alert));
      requests.forEach((request, n) =>
        detector.observe({ tenantMismatch: false, ...request, timeMs: START_MS + n * 1000 }),
      );
      return { alerts, detector };
    };
    const interfaceId = () => Array.from({ length: 4 }, () => randomBytes(2).toString('hex')).join(':');
    /** 50 addresses of one /64, of 50 /64s, of one IPv4 /24. */
    const oneSlash64 = Array.from({ length: 50 }, () => `2001:db8:a:b:${interfaceId()}`);
    const fiftySlash64s = Array.from({ length: 50 }, (_, n) => `2001:db8:${n.toString(16)}:b:${interfaceId()}`);
    const oneSlash24 = Array.from({ length: 50 }, (_, n) => `198.51.100.${n + 1}`);
    const fingerprint = () => `${FINGERPRINT_PREFIX}${randomBytes(8).toString('hex')}`;
    /** Each per-IP rule's traffic, one request per address (no key counted twice, so no per-key alert). */
    const scenarios: Record<string, { event: string; request: (sourceIp: string) => Request }> = {
      '401/403 burst': {
        event: OWASP_EVENTS.authnLoginFailMax,
        request: (sourceIp) => ({ sourceIp, apiKey: undefined, statusCode: 401 }),
      },
      '404 scan': {
        event: OWASP_EVENTS.maliciousExcess404,
        request: (sourceIp) => ({ sourceIp, apiKey: undefined, statusCode: 404 }),
      },
      'tenant-mismatch streak': {
        event: APITRAIL_EVENTS.tenantMismatchStreak,
        request: (sourceIp) => ({ sourceIp, apiKey: randomKeyId(), statusCode: 200, tenantMismatch: true }),
      },
      'credential stuffing': {
        event: APITRAIL_EVENTS.credentialStuffing,
        request: (sourceIp) => ({ sourceIp, apiKey: fingerprint(), statusCode: 200 }),
      },
      'tenant enumeration': {
        event: APITRAIL_EVENTS.tenantEnumeration,
        request: (sourceIp) => ({
          sourceIp,
          apiKey: undefined,
          statusCode: 200,
          claimedTenant: `tenant-${randomBytes(3).toString('hex')}`,
        }),
      },
    };
    const sourceAlerts = (alerts: readonly Alert[]) => alerts.filter((alert) => alert.subjectKind === 'source_ip');

    for (const [name, { event, request }] of Object.entries(scenarios)) {
      it(`${name}: 50 addresses of one /64 are one source; the alert names an address and the /64`, () => {
        const { alerts, detector } = observeAll(oneSlash64.map(request));
        const [alert, ...more] = sourceAlerts(alerts);
        expect(alert?.rule.eventName, name).to.equal(event);
        expect(more, 'one incident per cooldown').to.deep.equal([]);
        // The address that tipped the count, the network that was counted.
        const tipping = oneSlash64[alert!.timeMs / 1000 - START_MS / 1000]!;
        expect(alert!.subject).to.equal(tipping);
        expect(alert!.sampleIps).to.deep.equal([tipping]);
        expect(alert!.sourceNetwork).to.equal('2001:db8:a:b::/64');
        const attributes = alertAttributes(alert!);
        expect(attributes['client.address']).to.equal(tipping);
        expect(attributes['apitrail.alert.source_network']).to.equal('2001:db8:a:b::/64');
        expect(alertMessage(alert!)).to.include(`(source_ip ${tipping} in 2001:db8:a:b::/64)`);
        expect(detector.stats().trackedIps).to.equal(1);
      });

      it(`${name}: controls: 50 /64s are 50 sources, 50 IPv4 addresses of one /24 are 50, one IPv4 address is one`, () => {
        expect(sourceAlerts(observeAll(fiftySlash64s.map(request)).alerts)).to.deep.equal([]);
        expect(sourceAlerts(observeAll(oneSlash24.map(request)).alerts)).to.deep.equal([]);
        const [alert] = sourceAlerts(observeAll(oneSlash24.map(() => request('198.51.100.7'))).alerts);
        expect(alert?.rule.eventName).to.equal(event);
        expect(alert!.subject).to.equal('198.51.100.7');
        expect(alert!.sourceNetwork).to.equal(undefined);
        expect(alertAttributes(alert!)).not.to.have.property('apitrail.alert.source_network');
      });
    }

    it('an IPv4-mapped address (::ffff:a.b.c.d) counts with its IPv4 address; a value that is no IP as written', () => {
      const { request } = scenarios['401/403 burst']!;
      const mixed = Array.from({ length: 11 }, (_, n) => request(n % 2 === 0 ? '192.0.2.9' : '::ffff:192.0.2.9'));
      const [alert] = sourceAlerts(observeAll(mixed).alerts);
      expect(alert?.subject).to.equal('192.0.2.9');
      expect(alert!.count).to.equal(11);
      const [mapped] = sourceAlerts(observeAll([...mixed.slice(1), request('::FFFF:192.0.2.9')]).alerts);
      expect(mapped?.subject).to.equal('::FFFF:192.0.2.9');
      expect(mapped!.sourceNetwork).to.equal('192.0.2.9/32');
      // Not an address: counted as written, each value apart.
      const unknown = Array.from({ length: 11 }, (_, n) => request(n % 2 === 0 ? 'unknown' : 'unknown:1'));
      expect(sourceAlerts(observeAll(unknown).alerts)).to.deep.equal([]);
      const [written] = sourceAlerts(observeAll(unknown.map(() => request('unknown:1'))).alerts);
      expect(written?.subject).to.equal('unknown:1');
      expect(written!.sourceNetwork).to.equal(undefined);
    });

    it('a /64 whose groups are zero is named compressed; the cooldown holds for the whole /64', () => {
      const { request } = scenarios['404 scan']!;
      const zeros = Array.from({ length: 60 }, () => request(`2001:db8:0:0:${interfaceId()}`));
      const [alert, ...more] = sourceAlerts(observeAll(zeros).alerts);
      expect(alert!.sourceNetwork).to.equal('2001:db8::/64');
      expect(more).to.deep.equal([]);
    });
  });

  it('repeating the same few IPs thousands of times never looks like many IPs', () => {
    const key = randomKeyId();
    const requests = Array.from({ length: 5000 }, (_, n) => ({
      offsetSeconds: n / 10,
      apiKeyId: key,
      sourceIp: testIp(n % 5),
      statusCode: 200,
      path: '/',
    }));
    expect(run(requests, { maxRequestsPerKey: 1e6 }).alerts).to.deep.equal([]);
  });

  it('a 401 burst raises authn_login_fail_max for the key and for the IP, once each', () => {
    const key = randomKeyId();
    const { alerts } = run(authFailureBurst(key, testIp(9), 40));
    expect(summary(alerts)).to.have.members([
      `${OWASP_EVENTS.authnLoginFailMax} source_ip`,
      `${OWASP_EVENTS.authnLoginFailMax} api_key`,
    ]);
    expect(alerts.every((a) => a.count === 11 && a.threshold === 10)).to.equal(true);
    expect(run(authFailureBurst(randomKeyId(), testIp(9), 10)).alerts).to.deep.equal([]);
  });

  it('a burst spread wider than the burst window does not fire', () => {
    const slow = authFailureBurst(randomKeyId(), testIp(3), 30).map((r, n) => ({ ...r, offsetSeconds: n * 60 }));
    expect(run(slow).alerts).to.deep.equal([]);
  });

  it('a 404 scan raises malicious_excess_404 for the source IP', () => {
    const { alerts } = run(notFoundScan(testIp(42), 100));
    expect(summary(alerts)).to.deep.equal([`${OWASP_EVENTS.maliciousExcess404} source_ip`]);
    expect(alerts[0]!.subject).to.equal(testIp(42));
    expect(alerts[0]!.count).to.equal(21);
  });

  it('a tenant-mismatch streak raises its alert for the key and the IP', () => {
    const { alerts } = run(tenantMismatches(randomKeyId(), testIp(7), 4), { maxAuthFailures: 100 });
    expect(summary(alerts)).to.have.members([
      `${APITRAIL_EVENTS.tenantMismatchStreak} source_ip`,
      `${APITRAIL_EVENTS.tenantMismatchStreak} api_key`,
    ]);
    expect(run(tenantMismatches(randomKeyId(), testIp(7), 3)).alerts).to.deep.equal([]);
  });

  it('volume above the hourly ceiling fires once per cooldown', () => {
    const key = randomKeyId();
    const requests = Array.from({ length: 3000 }, (_, n) => ({
      offsetSeconds: n,
      apiKeyId: key,
      sourceIp: testIp(1),
      statusCode: 200,
      path: '/',
    }));
    const { alerts } = run(requests);
    expect(summary(alerts)).to.deep.equal([`${APITRAIL_EVENTS.keyExcessVolume} api_key`]);
    expect(alerts[0]!.count).to.equal(1001);
    expect(alerts[0]!.baseline).to.equal(undefined);
    // With no cooldown, each record above the ceiling is its own alert.
    expect(run(requests.slice(0, 1005), { cooldownSeconds: 0 }).alerts).to.have.length(5);
  });

  it('volume far above a key’s own baseline fires below the ceiling', () => {
    const key = randomKeyId();
    const steady = Array.from({ length: 6 * 60 }, (_, n) => ({
      offsetSeconds: n * 60,
      apiKeyId: key,
      sourceIp: testIp(1),
      statusCode: 200,
      path: '/',
    }));
    const spike = Array.from({ length: 900 }, (_, n) => ({ ...steady[0]!, offsetSeconds: 6 * 3600 + n }));
    expect(run(steady).alerts).to.deep.equal([]);
    const { alerts } = run([...steady, ...spike]);
    expect(summary(alerts)).to.deep.equal([`${APITRAIL_EVENTS.keyExcessVolume} api_key`]);
    expect(alerts[0]!.baseline).to.be.within(40, 70);
    expect(alerts[0]!.count).to.be.below(1000);
  });

  it('normal traffic from 50 keys raises nothing', () => {
    const keys = Array.from({ length: 50 }, randomKeyId);
    expect(run(normalTraffic(keys)).alerts).to.deep.equal([]);
  });

  it('stays within its caps under a flood of distinct keys and IPs, and says what it forgot', () => {
    const requests = Array.from({ length: 20000 }, (_, n) => ({
      offsetSeconds: n / 100,
      apiKeyId: `k${n}`,
      sourceIp: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      statusCode: 401,
      path: '/',
    }));
    const { detector, alerts } = run(requests, { maxTrackedKeys: 100, maxTrackedIps: 50 });
    expect(alerts).to.deep.equal([]);
    expect(detector.stats()).to.deep.equal({ trackedKeys: 100, trackedIps: 50, evictedKeys: 19900, evictedIps: 19950 });
  });

  it('an attacker rotating through more keys than the cap still cannot hide a key that stays busy', () => {
    const leaked = randomKeyId();
    const requests: ScriptedRequest[] = [];
    for (let n = 0; n < 8; n++) {
      requests.push({ offsetSeconds: n * 10, apiKeyId: leaked, sourceIp: testIp(n), statusCode: 200, path: '/' });
      for (let noise = 0; noise < 30; noise++) {
        requests.push({
          offsetSeconds: n * 10 + 1,
          apiKeyId: `noise${n}-${noise}`,
          sourceIp: testIp(200),
          statusCode: 200,
          path: '/',
        });
      }
    }
    // 240 noise keys through a 64-slot table: the busy key keeps its slot (CLOCK keeps recently used ids).
    const { alerts } = run(requests, { maxTrackedKeys: 64 });
    expect(summary(alerts)).to.deep.equal([`${APITRAIL_EVENTS.keyMultipleSourceIps} api_key`]);
  });

  it('rule metadata is complete and unique', () => {
    const rules = Object.values(RULES);
    expect(new Set(rules.map((r) => r.uuid)).size).to.equal(rules.length);
    for (const rule of rules) {
      expect(rule.uuid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(rule.description).to.not.equal('');
    }
  });
});

describe('readDetectConfig', () => {
  it('defaults to the seed thresholds', () => {
    expect(readDetectConfig({})).to.deep.equal(DETECT_DEFAULTS);
    expect(DETECT_DEFAULTS.maxSourceIpsPerKey).to.equal(5);
    expect(DETECT_DEFAULTS.maxRequestsPerKey).to.equal(1000);
    expect(DETECT_DEFAULTS.windowSeconds).to.equal(3600);
  });

  it('reads every variable', () => {
    const config = readDetectConfig({
      APITRAIL_DETECT_ENABLED: 'false',
      APITRAIL_DETECT_MAX_IPS_PER_KEY: '3',
      APITRAIL_DETECT_MAX_REQUESTS_PER_KEY: '100',
      APITRAIL_DETECT_WINDOW_SECONDS: '600',
      APITRAIL_DETECT_COOLDOWN_SECONDS: '0',
    });
    expect(config).to.include({
      enabled: false,
      maxSourceIpsPerKey: 3,
      maxRequestsPerKey: 100,
      windowSeconds: 600,
      cooldownSeconds: 0,
    });
  });

  for (const [name, value] of [
    ['APITRAIL_DETECT_MAX_IPS_PER_KEY', '64'],
    ['APITRAIL_DETECT_MAX_IPS_PER_KEY', '0'],
    ['APITRAIL_DETECT_MAX_REQUESTS_PER_KEY', 'lots'],
    ['APITRAIL_DETECT_WINDOW_SECONDS', '1.5'],
    ['APITRAIL_DETECT_ENABLED', 'maybe'],
    ['APITRAIL_DETECT_MAX_KEYS', '-1'],
    ['APITRAIL_DETECT_BASELINE_FACTOR', '1'],
  ] as const) {
    it(`rejects ${name}=${value}, naming the variable`, () => {
      expect(() => readDetectConfig({ [name]: value }))
        .to.throw(ApitrailConfigError)
        .with.property('setting', name);
    });
  }
});
