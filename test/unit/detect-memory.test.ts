// The detector's compact state against simple models of what it must do: the slot table's
// open-addressing index against a Map with least-recently-used eviction, the shared-head burst
// lanes and their saturating widths, and the geography rings' bookkeeping (the last country's ring
// entry, the 16-bit placed-request count). bench/micro/detect.ts measures what the state costs.
import { expect } from 'chai';
import {
  DETECT_DEFAULTS,
  Detector,
  KeyGeography,
  SlotTable,
  WindowCounter,
  type Alert,
  type DetectConfig,
} from '@apitrail/detect/internal';

/** Deterministic pseudo-random numbers in [0, 1), so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

type Eviction = 'least-recently-seen' | 'first-inserted';

/**
 * What a slot table must behave like: a Map in recency order whose oldest entry is evicted first.
 * Returns the slot the model expects for each id.
 */
function recencyModel(
  capacity: number,
  eviction: Eviction,
): { slots: Map<string, number>; expect(id: string): number } {
  const slots = new Map<string, number>();
  return {
    slots,
    expect(id) {
      const known = slots.get(id);
      if (known !== undefined) {
        if (eviction === 'least-recently-seen') {
          slots.delete(id);
          slots.set(id, known);
        }
        return known;
      }
      let slot = slots.size;
      if (slots.size === capacity) {
        const [oldest, freed] = slots.entries().next().value!;
        slots.delete(oldest);
        slot = freed;
      }
      slots.set(id, slot);
      return slot;
    },
  };
}

/** Runs random ids through a table and a model; the first disagreement, if any. */
function disagreement(capacity: number, ids: number, keepHashes: boolean, eviction: Eviction): string | undefined {
  const table = new SlotTable(capacity, () => undefined, keepHashes);
  const model = recencyModel(capacity, eviction);
  const next = random(capacity * 7919 + ids);
  for (let operation = 0; operation < 20_000; operation++) {
    // A skewed mix: a few hot ids and a long tail, so ids are both hit and evicted often.
    const id = `id-${Math.floor(next() ** 2 * ids)}`;
    const slot = table.slotOf(id);
    const expected = model.expect(id);
    if (slot !== expected) return `operation ${operation}: ${id} got slot ${slot}, expected ${expected}`;
    if (table.idOf(slot) !== id) return `operation ${operation}: slot ${slot} names ${table.idOf(slot)}, not ${id}`;
  }
  // Every id still tracked is found where the model has it (the index survived every eviction).
  for (const [id, slot] of model.slots) {
    const before = table.evictions;
    if (table.slotOf(id) !== slot || table.evictions !== before) return `${id} lost after churn`;
  }
  if (table.size !== model.slots.size) return `size ${table.size}, expected ${model.slots.size}`;
  return undefined;
}

describe('detector memory: the slot table', () => {
  for (const keepHashes of [false, true]) {
    for (const [capacity, ids] of [
      [1, 3],
      [7, 40],
      [100, 160],
      [1000, 5000],
    ] as const) {
      it(`finds, ranks and evicts ids as a least-recently-seen map does (capacity ${capacity}, ${ids} ids, hashes ${keepHashes ? 'kept' : 'not kept'})`, () => {
        expect(disagreement(capacity, ids, keepHashes, 'least-recently-seen')).to.equal(undefined);
      });
    }
  }

  it('control: the same check tells a first-in-first-out table from the least-recently-seen one', () => {
    expect(disagreement(100, 160, false, 'first-inserted')).to.be.a('string');
  });

  it('reports the hash of each id it holds, kept or recomputed alike', () => {
    const kept = new SlotTable(4, () => undefined, true);
    const recomputed = new SlotTable(4, () => undefined);
    for (const id of ['198.51.100.7', '2001:db8::1', 'key_1']) {
      expect(kept.hashOf(kept.slotOf(id))).to.equal(recomputed.hashOf(recomputed.slotOf(id)));
    }
    expect(kept.hashOf(3)).to.equal(0);
  });
});

describe('detector memory: burst lanes', () => {
  it('counts each lane on its own while the lanes of a slot share one window head', () => {
    const counter = new WindowCounter(2, 300, 5, 16, 3);
    expect(counter.add(0, 10, 0)).to.equal(1);
    expect(counter.add(0, 20, 0)).to.equal(2);
    expect(counter.add(0, 30, 2)).to.equal(1);
    expect(counter.add(1, 30, 2)).to.equal(1);
    expect(counter.total(0, 1)).to.equal(0);
    // Six minutes on, a count in lane 1 slides lane 0's window past its two events.
    expect(counter.add(0, 390, 1)).to.equal(1);
    expect(counter.total(0, 0)).to.equal(0);
    expect(counter.total(0, 2)).to.equal(0);
    expect(counter.total(1, 2)).to.equal(1);
  });

  it('an 8-bit bucket saturates above every threshold it is chosen for, so no decision changes', () => {
    expect(WindowCounter.widthFor([10, 20, 3])).to.equal(8);
    expect(WindowCounter.widthFor([10, 254])).to.equal(8);
    expect(WindowCounter.widthFor([255])).to.equal(16);
    expect(WindowCounter.widthFor([70_000])).to.equal(32);
    const counter = new WindowCounter(1, 300, 5, 8);
    let count = 0;
    for (let event = 0; event < 400; event++) count = counter.add(0, 1);
    expect(count).to.equal(255);
    expect(count).to.be.above(254);
  });

  it('a revoked key used in a late record alerts although its other bursts moved their window on', () => {
    const alerts: Alert[] = [];
    const detector = new Detector(DETECT_DEFAULTS, (alert) => alerts.push(alert));
    const at = (seconds: number) => Date.UTC(2026, 0, 15) + seconds * 1000;
    const use = { apiKey: 'key_late', sourceIp: '198.51.100.7', tenantMismatch: false };
    detector.observe({ ...use, timeMs: at(7200), statusCode: 401 });
    detector.observe({ ...use, timeMs: at(60), statusCode: 200, keyEnded: true });
    expect(alerts.map((alert) => alert.rule.name)).to.deep.equal(['apitrail_revoked_key_reuse']);
  });
});

describe('detector memory: geography rings', () => {
  const config = (overrides: Partial<DetectConfig> = {}): DetectConfig => ({
    ...DETECT_DEFAULTS,
    geoBaselineRequests: 1,
    geoBaselineSeconds: 0,
    maxTravelKmh: 1000,
    ...overrides,
  });
  const EIGHT = ['DE', 'FR', 'NL', 'BE', 'AT', 'CH', 'PL', 'CZ'];

  it('a new country that takes the last country’s ring entry is still checked for travel from it', () => {
    const geography = new KeyGeography(1, config());
    let second = 0;
    // Eight countries fill the ring in order: CZ, the last, holds entry 7. Once full, the Nth
    // placed request's new country replaces entry N mod 8: six more from CZ make the 15th replace it.
    for (const country of EIGHT) geography.observe(0, (second += 86_400), country, undefined);
    for (let request = 9; request < 15; request++) geography.observe(0, (second += 86_400), 'CZ', undefined);
    const finding = geography.observe(0, second + 60, 'AU', undefined);
    expect(finding.newCountry).to.equal('AU');
    expect(finding.travel).to.deep.include({ from: 'CZ', to: 'AU' });
  });

  it('the 16-bit placed count stays past its baseline and keeps the ring turning beyond 65 535 requests', () => {
    // A baseline of 20 requests: a count that wrapped to 0 at 65 536 would call request 65 540 unlearnt.
    const geography = new KeyGeography(1, config({ geoBaselineRequests: 20 }));
    let second = 0;
    for (const country of EIGHT) geography.observe(0, ++second, country, undefined);
    const placed = 65_540;
    for (let request = EIGHT.length; request < placed - 1; request++) geography.observe(0, ++second, 'DE', undefined);
    // The 65 540th placed request is a new country, reported, and replaces entry 65 540 mod 8 = 4 (AT).
    expect(geography.observe(0, ++second, 'US', undefined).newCountry).to.equal('US');
    const forgotten = EIGHT.filter((country) => geography.observe(0, ++second, country, undefined).newCountry);
    expect(forgotten[0]).to.equal(EIGHT[placed % 8]);
  });
});
