import type { Alert } from './alert.js';
import type { DetectConfig } from './config.js';
import { FINGERPRINT_PREFIX, type DetectionEvent } from './event.js';
import { KeyGeography } from './key-geography.js';
import { RecentDistinct, hashString } from './recent-distinct.js';
import { RULES, type RuleDefinition } from './rules.js';
import { SlotTable } from './slot-table.js';
import { sourceNetwork, sourceNetworkName } from './source-network.js';
import { WindowCounter } from './window-counter.js';

const VOLUME_BUCKETS = 6;
const BURST_BUCKETS = 5;
/** A key's baseline is trusted once it has been tracked this many windows. */
const BASELINE_WARMUP_WINDOWS = 2;
const SAMPLE_IPS = 10;

/**
 * The times the detector's windows hold: its stamps and bucket numbers are unsigned 32-bit seconds
 * (+1, 0 marking an empty entry), so from 1970-01-01T00:00:00Z up to, not including,
 * 2106-02-07T06:28:15Z. A time outside would wrap around and be counted in the wrong bucket.
 */
export const DETECTABLE_TIME_MS = { from: 0, until: 0xffffffff * 1000 } as const;

/** Whether the detector can count an event at `timeMs` (false for NaN). */
export function isDetectableTime(timeMs: number): boolean {
  return timeMs >= DETECTABLE_TIME_MS.from && timeMs < DETECTABLE_TIME_MS.until;
}

/** Receives each alert a Detector raises (at most once per rule and subject per cooldown). */
export type AlertSink = (alert: Alert) => void;

/** The burst lanes of a key or IP: what each slot of a BurstState counts over the burst window. */
const Lane = { AuthFailures: 0, NotFound: 1, TenantMismatches: 2 } as const;
type Lane = (typeof Lane)[keyof typeof Lane];

/**
 * Burst counters and per-rule cooldowns shared by the key table and the IP table. The counters of
 * a slot are lanes of one WindowCounter (one window head per slot), at the narrowest width that
 * keeps every threshold exact. Cooldowns exist only for the (slot, rule) pairs that have alerted,
 * in one map: most keys never alert, and a preallocated stamp per rule per slot would cost
 * 4 bytes × rules for every tracked key. An entry goes when its slot is reused (at most one per
 * slot and rule).
 */
class BurstState {
  readonly counts: WindowCounter;
  private readonly ruleIndex = new Map<RuleDefinition, number>();
  /** slot × rules + rule index → second (+1) until which the rule stays silent for the slot. */
  private readonly silentUntil = new Map<number, number>();

  constructor(
    capacity: number,
    windowSeconds: number,
    rules: readonly RuleDefinition[],
    thresholds: readonly number[],
  ) {
    const width = WindowCounter.widthFor(thresholds);
    this.counts = new WindowCounter(capacity, windowSeconds, BURST_BUCKETS, width, Object.keys(Lane).length);
    for (const rule of rules) this.ruleIndex.set(rule, this.ruleIndex.size);
  }

  /** True when `rule` is still silent for `slot` at `stamp` (second + 1); else silences it until `until`. */
  cooling(rule: RuleDefinition, slot: number, stamp: number, until: number): boolean {
    const key = slot * this.ruleIndex.size + this.ruleIndex.get(rule)!;
    if ((this.silentUntil.get(key) ?? 0) > stamp) return true;
    this.silentUntil.set(key, until);
    return false;
  }

  reset(slot: number): void {
    this.counts.reset(slot);
    if (this.silentUntil.size === 0) return;
    const first = slot * this.ruleIndex.size;
    for (let index = 0; index < this.ruleIndex.size; index++) this.silentUntil.delete(first + index);
  }
}

/**
 * Runs every rule over a stream of audit events, in bounded memory: per-key and per-IP state lives
 * in preallocated typed arrays indexed by an LRU-capped slot table, and nothing is allocated per
 * event unless a rule fires. Fed in-process by the DetectionLogRecordProcessor and offline by
 * `apitrail analyze`; `onAlert` receives each incident once per cooldown.
 */
export class Detector {
  private readonly keys: SlotTable;
  /**
   * Source IPs, each as sourceNetwork counts it: an IPv6 client by its /64 (one slot, one set of
   * burst counts and cooldowns for the whole network), IPv4 per address.
   */
  private readonly ips: SlotTable;
  /**
   * Per IP slot whose id is not an address (an IPv6 /64, or the IPv4 address of an `::ffff:` form):
   * the address last seen from it, for the alerts' samples. Undefined when the id is the address.
   */
  private readonly ipAddresses: (string | undefined)[];
  private readonly volume: WindowCounter;
  private readonly baseline: Float32Array;
  /**
   * Volume buckets from the key's first request to its newest (the window head), saturating at
   * 65 535 (455 days of 10-minute buckets): a key is warm once its baseline has run for
   * BASELINE_WARMUP_WINDOWS, and a late record's own distance from the first one follows from it.
   */
  private readonly trackedBuckets: Uint16Array;
  private readonly sourceIps: RecentDistinct;
  private readonly keyBursts: BurstState;
  private readonly ipBursts: BurstState;
  /**
   * Uses of a revoked or expired key, per key, over the burst window. Not a lane of the key's
   * bursts: with a threshold of zero every use is an incident, and a late record must not be
   * dropped because the key's other burst counts moved their window on.
   */
  private readonly endedKeyUses: WindowCounter;
  private readonly geography: KeyGeography;
  /** Per IP: distinct refused or unregistered keys, and distinct claimed tenants, over the burst window. */
  private readonly keysTried: RecentDistinct;
  private readonly tenantsClaimed: RecentDistinct;

  constructor(
    readonly config: DetectConfig,
    private readonly onAlert: AlertSink,
  ) {
    const keyCapacity = config.maxTrackedKeys;
    const ipCapacity = config.maxTrackedIps;
    this.volume = new WindowCounter(keyCapacity, config.windowSeconds, VOLUME_BUCKETS);
    this.baseline = new Float32Array(keyCapacity);
    this.trackedBuckets = new Uint16Array(keyCapacity);
    this.sourceIps = new RecentDistinct(keyCapacity, config.maxSourceIpsPerKey + 1, config.windowSeconds);
    const burstThresholds = [config.maxAuthFailures, config.maxNotFound, config.maxTenantMismatches];
    this.keyBursts = new BurstState(keyCapacity, config.burstWindowSeconds, Object.values(RULES), burstThresholds);
    this.ipBursts = new BurstState(
      ipCapacity,
      config.burstWindowSeconds,
      [
        RULES.authFailureBurst,
        RULES.notFoundScan,
        RULES.tenantMismatchStreak,
        RULES.credentialStuffing,
        RULES.tenantEnumeration,
      ],
      burstThresholds,
    );
    this.geography = new KeyGeography(keyCapacity, config);
    this.keysTried = new RecentDistinct(ipCapacity, config.maxKeysPerIp + 1, config.burstWindowSeconds);
    this.tenantsClaimed = new RecentDistinct(ipCapacity, config.maxTenantsPerIp + 1, config.burstWindowSeconds);
    this.endedKeyUses = new WindowCounter(keyCapacity, config.burstWindowSeconds, BURST_BUCKETS, 8);
    this.keys = new SlotTable(keyCapacity, (slot) => {
      this.endedKeyUses.reset(slot);
      this.geography.reset(slot);
      this.volume.reset(slot);
      this.baseline[slot] = 0;
      this.trackedBuckets[slot] = 0;
      this.sourceIps.reset(slot);
      this.keyBursts.reset(slot);
    });
    this.ipAddresses = new Array<string | undefined>(ipCapacity);
    this.ips = new SlotTable(
      ipCapacity,
      (slot) => {
        this.ipAddresses[slot] = undefined;
        this.ipBursts.reset(slot);
        this.keysTried.reset(slot);
        this.tenantsClaimed.reset(slot);
      },
      // Sampling a key's source IPs matches the hashes its RecentDistinct keeps against these.
      true,
    );
  }

  /**
   * Counts one event. An event whose time is outside DETECTABLE_TIME_MS is ignored rather than
   * mis-bucketed (`apitrail analyze` reports such a record as malformed before it gets here; a host
   * clock never reads such a time).
   */
  observe(event: DetectionEvent): void {
    if (!isDetectableTime(event.timeMs)) return;
    const seconds = event.timeMs / 1000;
    const ip = event.sourceIp;
    // What the per-IP rules and a key's distinct sources count: an IPv6 client by its /64, IPv4-mapped as IPv4.
    const source = ip === undefined ? undefined : sourceNetwork(ip);
    const sourceHash = source === undefined ? 0 : hashString(source);
    if (ip !== undefined) {
      const slot = this.ips.slotOf(source!, sourceHash);
      if (source !== ip) this.ipAddresses[slot] = ip;
      // The subject is the address that was seen (the alert names the network it counted in).
      this.bursts(this.ipBursts, 'source_ip', ip, slot, event);
      this.observeSource(ip, slot, event, seconds);
    }
    if (event.apiKey === undefined) return;
    const slot = this.keys.slotOf(event.apiKey);
    if (event.country !== undefined || event.asNumber !== undefined) this.observeGeography(slot, event, seconds);
    this.observeVolume(slot, event, seconds);
    if (ip !== undefined) {
      const distinct = this.sourceIps.add(slot, sourceHash, seconds);
      if (distinct > this.config.maxSourceIpsPerKey) {
        this.fire(this.keyBursts, RULES.keyMultipleSourceIps, 'api_key', event.apiKey, slot, event, {
          count: distinct,
          threshold: this.config.maxSourceIpsPerKey,
          windowSeconds: this.config.windowSeconds,
          sampleIps: () => this.sampleIps(this.sourceIps.hashesOf(slot, seconds)),
        });
      }
    }
    this.bursts(this.keyBursts, 'api_key', event.apiKey, slot, event);
    if (event.keyEnded) {
      // Any use of a key past its life is an incident: the threshold is zero.
      this.burst(this.keyBursts, RULES.revokedKeyReuse, this.endedKeyUses, 0, 0, 'api_key', event.apiKey, slot, event);
    }
  }

  /** Credential stuffing and tenant enumeration: many distinct keys or tenants from one source. */
  private observeSource(ip: string, slot: number, event: DetectionEvent, seconds: number): void {
    const { apiKey, statusCode, claimedTenant } = event;
    const refused = statusCode === 401 || statusCode === 403 || apiKey?.startsWith(FINGERPRINT_PREFIX) === true;
    if (apiKey !== undefined && refused) {
      const tried = this.keysTried.add(slot, hashString(apiKey), seconds);
      if (tried > this.config.maxKeysPerIp) {
        this.fire(this.ipBursts, RULES.credentialStuffing, 'source_ip', ip, slot, event, {
          count: tried,
          threshold: this.config.maxKeysPerIp,
          windowSeconds: this.config.burstWindowSeconds,
          sampleIps: () => [ip],
        });
      }
    }
    if (claimedTenant !== undefined) {
      const claimed = this.tenantsClaimed.add(slot, hashString(claimedTenant), seconds);
      if (claimed > this.config.maxTenantsPerIp) {
        this.fire(this.ipBursts, RULES.tenantEnumeration, 'source_ip', ip, slot, event, {
          count: claimed,
          threshold: this.config.maxTenantsPerIp,
          windowSeconds: this.config.burstWindowSeconds,
          sampleIps: () => [ip],
        });
      }
    }
  }

  /** A new country or AS number after the key's baseline, and impossible travel. */
  private observeGeography(slot: number, event: DetectionEvent, seconds: number): void {
    const finding = this.geography.observe(slot, seconds, event.country, event.asNumber);
    const sampleIps = () => (event.sourceIp === undefined ? [] : [event.sourceIp]);
    const { geoBaselineRequests, geoBaselineSeconds } = this.config;
    const baseline = { count: geoBaselineRequests, threshold: geoBaselineRequests, windowSeconds: geoBaselineSeconds };
    if (finding.newCountry !== undefined) {
      this.fire(this.keyBursts, RULES.keyNewCountry, 'api_key', event.apiKey!, slot, event, {
        ...baseline,
        sampleIps,
        value: finding.newCountry,
      });
    }
    if (finding.newAsn !== undefined) {
      this.fire(this.keyBursts, RULES.keyNewAsn, 'api_key', event.apiKey!, slot, event, {
        ...baseline,
        sampleIps,
        value: finding.newAsn,
      });
    }
    if (finding.travel !== undefined) {
      const { from, to, elapsedSeconds, km } = finding.travel;
      this.fire(this.keyBursts, RULES.impossibleTravel, 'api_key', event.apiKey!, slot, event, {
        count: elapsedSeconds,
        threshold: km,
        windowSeconds: elapsedSeconds,
        sampleIps,
        value: to,
        previousValue: from,
      });
    }
  }

  /** Tracked and forgotten ids, for self-observability and the CLI report. */
  stats(): { trackedKeys: number; trackedIps: number; evictedKeys: number; evictedIps: number } {
    return {
      trackedKeys: this.keys.size,
      trackedIps: this.ips.size,
      evictedKeys: this.keys.evictions,
      evictedIps: this.ips.evictions,
    };
  }

  private observeVolume(slot: number, event: DetectionEvent, seconds: number): void {
    const bucket = this.volume.bucketOf(seconds);
    const head = this.volume.head(slot);
    if (bucket > head && head !== 0) {
      this.trackedBuckets[slot] = Math.min(0xffff, this.trackedBuckets[slot]! + bucket - head);
      // Sample the window that is closing as the key's recent normal (an EWMA over windows).
      const closing = this.volume.total(slot);
      this.baseline[slot] = this.baseline[slot]! + (closing - this.baseline[slot]!) / VOLUME_BUCKETS;
    }
    const total = this.volume.add(slot, seconds);
    const { maxRequestsPerKey, baselineFactor, baselineMinRequests, windowSeconds } = this.config;
    // The record's bucket minus the key's first: the newest bucket's distance, less how late the record is.
    const sinceFirst = this.trackedBuckets[slot]! - (this.volume.head(slot) - bucket);
    const warm = sinceFirst >= BASELINE_WARMUP_WINDOWS * VOLUME_BUCKETS;
    const baseline = this.baseline[slot]!;
    const aboveBaseline = warm && total >= baselineMinRequests && total > baselineFactor * Math.max(baseline, 1);
    if (total <= maxRequestsPerKey && !aboveBaseline) return;
    this.fire(this.keyBursts, RULES.keyExcessVolume, 'api_key', event.apiKey!, slot, event, {
      count: total,
      threshold: total > maxRequestsPerKey ? maxRequestsPerKey : Math.ceil(baselineFactor * Math.max(baseline, 1)),
      windowSeconds,
      sampleIps: () => (event.sourceIp === undefined ? [] : [event.sourceIp]),
      ...(total > maxRequestsPerKey ? {} : { baseline: Math.round(baseline) }),
    });
  }

  private bursts(
    state: BurstState,
    kind: Alert['subjectKind'],
    subject: string,
    slot: number,
    event: DetectionEvent,
  ): void {
    const { statusCode } = event;
    if (statusCode === 401 || statusCode === 403) {
      this.burst(
        state,
        RULES.authFailureBurst,
        state.counts,
        Lane.AuthFailures,
        this.config.maxAuthFailures,
        kind,
        subject,
        slot,
        event,
      );
    } else if (statusCode === 404) {
      this.burst(
        state,
        RULES.notFoundScan,
        state.counts,
        Lane.NotFound,
        this.config.maxNotFound,
        kind,
        subject,
        slot,
        event,
      );
    }
    if (event.tenantMismatch) {
      this.burst(
        state,
        RULES.tenantMismatchStreak,
        state.counts,
        Lane.TenantMismatches,
        this.config.maxTenantMismatches,
        kind,
        subject,
        slot,
        event,
      );
    }
  }

  private burst(
    state: BurstState,
    rule: RuleDefinition,
    counter: WindowCounter,
    lane: number,
    threshold: number,
    kind: Alert['subjectKind'],
    subject: string,
    slot: number,
    event: DetectionEvent,
  ): void {
    const count = counter.add(slot, event.timeMs / 1000, lane);
    if (count <= threshold) return;
    this.fire(state, rule, kind, subject, slot, event, {
      count,
      threshold,
      windowSeconds: counter.windowSeconds,
      sampleIps: () => (event.sourceIp === undefined ? [] : [event.sourceIp]),
    });
  }

  private fire(
    state: BurstState,
    rule: RuleDefinition,
    subjectKind: Alert['subjectKind'],
    subject: string,
    slot: number,
    event: DetectionEvent,
    evidence: {
      count: number;
      threshold: number;
      windowSeconds: number;
      sampleIps: () => string[];
      baseline?: number;
      value?: string;
      previousValue?: string;
    },
  ): void {
    const stamp = Math.floor(event.timeMs / 1000) + 1;
    if (state.cooling(rule, slot, stamp, stamp + this.config.cooldownSeconds)) return;
    const { sampleIps, ...counts } = evidence;
    const sourceNetwork = subjectKind === 'source_ip' ? sourceNetworkName(subject) : undefined;
    this.onAlert({
      rule,
      subjectKind,
      subject,
      timeMs: event.timeMs,
      ...counts,
      sampleIps: sampleIps(),
      ...(sourceNetwork === undefined ? {} : { sourceNetwork }),
    });
  }

  /**
   * Up to SAMPLE_IPS tracked addresses, one of each source (sourceNetwork) whose hash is in `hashes`:
   * the IPv4 address, or the address last seen from an IPv6 /64.
   */
  private sampleIps(hashes: readonly number[]): string[] {
    const wanted = new Set(hashes);
    const sample: string[] = [];
    for (let slot = 0; slot < this.ips.size && sample.length < SAMPLE_IPS && wanted.size > 0; slot++) {
      if (wanted.delete(this.ips.hashOf(slot))) sample.push(this.ipAddresses[slot] ?? this.ips.idOf(slot)!);
    }
    return sample;
  }
}
