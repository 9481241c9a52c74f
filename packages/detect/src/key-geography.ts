import type { DetectConfig } from './config.js';
import { minimumTravelKm } from './country-distance.js';

/** Countries and AS numbers remembered per key (a ring: the oldest is replaced when full). */
const PLACES_PER_KEY = 8;

/** What one request from a placed address revealed about its key. */
export interface GeographyFinding {
  newCountry?: string;
  newAsn?: string;
  travel?: { from: string; to: string; elapsedSeconds: number; km: number };
}

/** Two uppercase ASCII letters as one 16-bit number (0: none). */
function encodeCountry(code: string): number {
  if (!/^[A-Z]{2}$/.test(code)) return 0;
  return ((code.charCodeAt(0) - 64) << 5) | (code.charCodeAt(1) - 64);
}

function decodeCountry(value: number): string {
  return String.fromCharCode((value >> 5) + 64, (value & 31) + 64);
}

/** Geography states allocated at first, then doubled as more keys are placed (up to the key capacity). */
const INITIAL_STATES = 64;

/**
 * Per key seen from a placed (public) address, in typed arrays: the countries and AS numbers seen
 * while the baseline was learnt (the first `geoBaselineRequests` placed requests and at least
 * `geoBaselineSeconds`), and the last country with its time, for the travel check. 59 bytes per
 * placed key (16 + 32 for the rings, 2 placed, 4 + 4 seconds, 1 for the last country's ring entry); a key only ever seen from loopback, private or unplaced addresses costs the
 * 4-byte index alone. States are allocated on a key's first placed request, grown by doubling,
 * and reused when the key's slot is.
 */
export class KeyGeography {
  /** Per key slot: its state's index + 1 (0: none yet). */
  private readonly stateOf: Int32Array;
  /** Indices of states released by evicted keys, reused first. */
  private readonly released: number[] = [];
  private states = 0;
  private countries = new Uint16Array(0);
  private asns = new Uint32Array(0);
  /**
   * Placed requests counted, 16-bit when the baseline's request count allows: all it answers is
   * "at least geoBaselineRequests?" and, mod PLACES_PER_KEY, which ring entry a new place replaces,
   * so at the width's top it steps back by a multiple of PLACES_PER_KEY, staying above the baseline.
   */
  private placed: Uint16Array | Uint32Array;
  private readonly placedTop: number;
  private readonly placedRestart: number;
  /** First placed request's second + 1 (0: none yet). */
  private firstSecond = new Uint32Array(0);
  /** Ring position of the last country seen + 1 (0: none yet): the newest place is always in the ring. */
  private lastCountryAt = new Uint8Array(0);
  private lastCountrySecond = new Uint32Array(0);

  constructor(
    private readonly capacity: number,
    private readonly config: DetectConfig,
  ) {
    this.stateOf = new Int32Array(capacity);
    const roundUp = (count: number) => Math.ceil(count / PLACES_PER_KEY) * PLACES_PER_KEY;
    const wide = roundUp(config.geoBaselineRequests) + PLACES_PER_KEY >= 0xffff;
    this.placed = wide ? new Uint32Array(0) : new Uint16Array(0);
    this.placedTop = (wide ? 0xffffffff : 0xffff) - PLACES_PER_KEY + 1;
    this.placedRestart = roundUp(config.geoBaselineRequests);
  }

  reset(slot: number): void {
    const state = this.stateOf[slot]! - 1;
    if (state < 0) return;
    this.stateOf[slot] = 0;
    this.countries.fill(0, state * PLACES_PER_KEY, (state + 1) * PLACES_PER_KEY);
    this.asns.fill(0, state * PLACES_PER_KEY, (state + 1) * PLACES_PER_KEY);
    this.placed[state] = 0;
    this.firstSecond[state] = 0;
    this.lastCountryAt[state] = 0;
    this.lastCountrySecond[state] = 0;
    this.released.push(state);
  }

  observe(slot: number, seconds: number, country: string | undefined, asNumber: number | undefined): GeographyFinding {
    const state = this.stateFor(slot);
    const second = Math.floor(seconds);
    if (this.firstSecond[state] === 0) this.firstSecond[state] = second + 1;
    const learnt =
      this.placed[state]! >= this.config.geoBaselineRequests &&
      second + 1 - this.firstSecond[state]! >= this.config.geoBaselineSeconds;
    const placed = this.placed[state]!;
    this.placed[state] = placed === this.placedTop ? this.placedRestart + 1 : placed + 1;
    const finding: GeographyFinding = {};
    const code = country === undefined ? 0 : encodeCountry(country);
    if (code !== 0) {
      // Read before remembering: a new country may take the last one's ring entry.
      const lastAt = this.lastCountryAt[state]!;
      const last = lastAt === 0 ? 0 : this.countries[state * PLACES_PER_KEY + lastAt - 1]!;
      const at = this.remember(this.countries, state, code);
      if (at < 0 && learnt) finding.newCountry = country!;
      if (last !== 0 && last !== code) {
        const from = decodeCountry(last);
        const elapsedSeconds = Math.max(0, second - this.lastCountrySecond[state]!);
        const km = minimumTravelKm(from, country!);
        // At least one second: two requests in the same second from far apart are impossible, not infinite.
        if (km !== undefined && km / (Math.max(1, elapsedSeconds) / 3600) > this.config.maxTravelKmh) {
          finding.travel = { from, to: country!, elapsedSeconds, km: Math.round(km) };
        }
      }
      this.lastCountryAt[state] = (at < 0 ? ~at : at) - state * PLACES_PER_KEY + 1;
      this.lastCountrySecond[state] = second;
    }
    if (asNumber !== undefined && asNumber > 0 && asNumber <= 0xffffffff) {
      if (this.remember(this.asns, state, asNumber) < 0 && learnt) finding.newAsn = String(asNumber);
    }
    return finding;
  }

  /** The key's state index, allocating one (a released one first) on its first placed request. */
  private stateFor(slot: number): number {
    const existing = this.stateOf[slot]! - 1;
    if (existing >= 0) return existing;
    let state = this.released.pop();
    if (state === undefined) {
      if (this.states === this.placed.length) this.grow();
      state = this.states++;
    }
    this.stateOf[slot] = state + 1;
    return state;
  }

  private grow(): void {
    const size = Math.min(this.capacity, Math.max(INITIAL_STATES, this.placed.length * 2));
    this.countries = grown(this.countries, new Uint16Array(size * PLACES_PER_KEY));
    this.asns = grown(this.asns, new Uint32Array(size * PLACES_PER_KEY));
    this.placed = grown(
      this.placed,
      this.placed instanceof Uint16Array ? new Uint16Array(size) : new Uint32Array(size),
    );
    this.firstSecond = grown(this.firstSecond, new Uint32Array(size));
    this.lastCountryAt = grown(this.lastCountryAt, new Uint8Array(size));
    this.lastCountrySecond = grown(this.lastCountrySecond, new Uint32Array(size));
  }

  /**
   * Adds `value` to the state's ring. Returns its index in the ring array when it was there
   * already, or the bitwise complement of the index it now has (negative) when it is new.
   */
  private remember(ring: Uint16Array | Uint32Array, state: number, value: number): number {
    const start = state * PLACES_PER_KEY;
    for (let index = start; index < start + PLACES_PER_KEY; index++) {
      if (ring[index] === value) return index;
      if (ring[index] === 0) {
        ring[index] = value;
        return ~index;
      }
    }
    const index = start + (this.placed[state]! % PLACES_PER_KEY);
    ring[index] = value;
    return ~index;
  }
}

function grown<T extends Uint8Array | Uint16Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
