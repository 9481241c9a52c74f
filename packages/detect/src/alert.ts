import type { RuleDefinition } from './rules.js';

/** What a firing rule reports: one incident, with its evidence. */
export interface Alert {
  readonly rule: RuleDefinition;
  /** Whether the incident is about an API key or a source IP. */
  readonly subjectKind: 'api_key' | 'source_ip';
  /**
   * The key id (or `fingerprint:<fp>`, or `prefix:<public prefix>` for a key named by its prefix alone)
   * or the IP: for a source counted by its network (`sourceNetwork`), the address that tipped the count.
   */
  readonly subject: string;
  /** Time of the record that tipped the count over the threshold. */
  readonly timeMs: number;
  /** Distinct IPs or requests counted in the window (distinct IPs saturate at threshold + 1). */
  readonly count: number;
  readonly threshold: number;
  readonly windowSeconds: number;
  /** A few of the source IPs involved. */
  readonly sampleIps: readonly string[];
  /** For volume-above-baseline alerts: the key's recent requests per window. */
  readonly baseline?: number;
  /** For geo alerts: the new country or AS number. */
  readonly value?: string;
  /** For impossible travel: the country before. */
  readonly previousValue?: string;
  /**
   * For a source-IP alert whose subject was counted with other addresses: the IPv6 /64 it was
   * counted by (`2001:db8:1:2::/64`), or `a.b.c.d/32` for an IPv4-mapped `::ffff:a.b.c.d`.
   */
  readonly sourceNetwork?: string;
}
