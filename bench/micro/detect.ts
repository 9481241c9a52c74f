// Detector: audit records per second on one core (the rules over a realistic key/IP mix) and
// retained bytes per tracked key with 100k keys tracked.
import { nsPerOp, perSecond, report, retainedBytes, withPackage } from './harness.ts';
import { auditAttributes } from './records.ts';
import {
  ATTR_API_KEY_ID,
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_AS_NUMBER,
  ATTR_GEO_COUNTRY_ISO_CODE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
} from '@apitrail/core/internal';

/** How far the control's 256 B per key may read off: 1% (the targets' margins are 4% and more). */
const CONTROL_TOLERANCE_BYTES = 2;
const TRACKED_KEYS = 100_000;

interface DetectionEvent {
  readonly timeMs: number;
}
interface Detector {
  observe(event: DetectionEvent): void;
  stats(): { trackedKeys: number };
}
type DetectorClass = new (config: object, onAlert: (alert: unknown) => void) => Detector;
type EventFromAttributes = (timeMs: number, attributes: Readonly<Record<string, unknown>>) => DetectionEvent;

report({
  detect: await withPackage('@apitrail/detect', (module) => {
    const Detector = module.Detector as DetectorClass;
    const eventFromAttributes = module.eventFromAttributes as EventFromAttributes;
    const defaults = module.DETECT_DEFAULTS as object;

    // 1000 keys from 5000 addresses, a few 401/404s: steady traffic that rarely alerts.
    const base = auditAttributes();
    const attributes = Array.from({ length: 4096 }, (_, i) => ({
      ...base,
      [ATTR_API_KEY_ID]: `key_${i % 1000}`,
      [ATTR_CLIENT_ADDRESS]: `198.51.${(i >> 8) & 255}.${i & 255}`,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: i % 97 === 0 ? 401 : i % 89 === 0 ? 404 : 200,
    }));
    let alerts = 0;
    const detector = new Detector(defaults, () => (alerts += 1));
    const start = Date.now();
    // The clock runs on across batches (64 records a millisecond), as real traffic's does: restarting
    // it with each batch would send the detector back in time by the length of the last batch, which
    // depends on how fast the machine was when the batch size was calibrated.
    let records = 0;
    const perRecord = nsPerOp(() => {
      const record = records++;
      detector.observe(eventFromAttributes(start + Math.floor(record / 64), attributes[record & 4095]!));
    });

    // Each measured structure stays alive until all are measured: one freed during another's
    // measurement (ArrayBuffers are released lazily) would be subtracted from it.
    const measured: unknown[] = [];
    /** Retained bytes per key of what `build` returns, around forced GCs. */
    const perKey = (build: () => unknown): number => {
      const before = retainedBytes();
      measured.push(build());
      return Math.round((retainedBytes() - before) / TRACKED_KEYS);
    };
    /** A detector tracking 100k keys, each seen once from `place`'s attributes. */
    const detectorOf = (place: Readonly<Record<string, unknown>>) => () => {
      const full = new Detector({ ...defaults, maxTrackedKeys: TRACKED_KEYS }, () => undefined);
      for (let i = 0; i < TRACKED_KEYS; i += 1) {
        full.observe(
          eventFromAttributes(start, {
            ...place,
            [ATTR_API_KEY_ID]: `key_${i}`,
            [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
          }),
        );
      }
      const tracked = full.stats().trackedKeys;
      if (tracked !== TRACKED_KEYS)
        throw new Error(`expected ${TRACKED_KEYS} tracked keys, the detector reports ${tracked}`);
      return full;
    };
    // Control: the same measurement of a known 256 B per key, 248 in an ArrayBuffer and 8 on the
    // heap (an array of doubles), must read 256 within CONTROL_TOLERANCE_BYTES, or the detector
    // figures cannot be trusted. One byte a key is 100 kB over the run: garbage of the benchmark's
    // own that a forced GC happens to free (or not) during a measurement moves it by that much.
    const control = perKey(() => [new Uint8Array(TRACKED_KEYS * 248), new Array<number>(TRACKED_KEYS).fill(0.5)]);
    if (Math.abs(control - 256) > CONTROL_TOLERANCE_BYTES)
      throw new Error(`the control's known 256 B per key measured ${control} B`);
    // What the key id strings alone (and a reference to each) cost: inside every figure below.
    const keyIds = perKey(() => Array.from({ length: TRACKED_KEYS }, (_, i) => `key_${i}`));
    // A documentation address (no place) and a placed one (what enrichment adds for a public address).
    const unplaced = perKey(detectorOf({ [ATTR_CLIENT_ADDRESS]: '192.0.2.1' }));
    const placed = perKey(
      detectorOf({
        [ATTR_CLIENT_ADDRESS]: '8.8.8.8',
        [ATTR_GEO_COUNTRY_ISO_CODE]: 'US',
        [ATTR_CLIENT_AS_NUMBER]: 15169,
      }),
    );
    if (placed <= unplaced) throw new Error(`placed keys measured ${placed} B, not above unplaced ${unplaced} B`);
    return {
      per_record: perRecord,
      throughput: perSecond(perRecord, 'records/s/core'),
      alerts_during_run: { value: alerts, unit: 'alerts' },
      bytes_per_tracked_key: {
        value: unplaced,
        unit: 'B/key',
        note: 'heap + ArrayBuffer delta around forced GC, 100k keys tracked from an unplaced address, includes the preallocated IP table',
      },
      bytes_per_placed_key: {
        value: placed,
        unit: 'B/key',
        note: 'the same with every key seen from a placed (public) address: its geography state included',
      },
      bytes_per_key_id: {
        value: keyIds,
        unit: 'B/key',
        note: 'the key id strings alone (key_0 … key_99999) and a reference to each, part of both figures above',
      },
      memory_control: {
        value: control,
        unit: 'B/key',
        note: 'the same measurement of a known 256 B per key (ArrayBuffer + array of doubles); the run fails unless it reads 256',
      },
    };
  }),
});
