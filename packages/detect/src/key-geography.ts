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

/**
 * Per key, in preallocated typed arrays: the countries and AS numbers seen while the baseline was
 * learnt (the first `geoBaselineRequests` placed requests and at least `geoBaselineSeconds`), and
 * the last country with its time, for the travel check. About 60 bytes per key.
 */
export class KeyGeography {
  private readonly countries: Uint16Array;
  private readonly asns: Uint32Array;
  private readonly placed: Uint32Array;
  /** First placed request's second + 1 (0: none yet). */
  private readonly firstSecond: Uint32Array;
  private readonly lastCountry: Uint16Array;
  private readonly lastCountrySecond: Uint32Array;

  constructor(
    capacity: number,
    private readonly config: DetectConfig,
  ) {
    this.countries = new Uint16Array(capacity * PLACES_PER_KEY);
    this.asns = new Uint32Array(capacity * PLACES_PER_KEY);
    this.placed = new Uint32Array(capacity);
    this.firstSecond = new Uint32Array(capacity);
    this.lastCountry = new Uint16Array(capacity);
    this.lastCountrySecond = new Uint32Array(capacity);
  }

  reset(slot: number): void {
    this.countries.fill(0, slot * PLACES_PER_KEY, (slot + 1) * PLACES_PER_KEY);
    this.asns.fill(0, slot * PLACES_PER_KEY, (slot + 1) * PLACES_PER_KEY);
    this.placed[slot] = 0;
    this.firstSecond[slot] = 0;
    this.lastCountry[slot] = 0;
    this.lastCountrySecond[slot] = 0;
  }

  observe(slot: number, seconds: number, country: string | undefined, asNumber: number | undefined): GeographyFinding {
    const second = Math.floor(seconds);
    if (this.firstSecond[slot] === 0) this.firstSecond[slot] = second + 1;
    const learnt =
      this.placed[slot]! >= this.config.geoBaselineRequests &&
      second + 1 - this.firstSecond[slot]! >= this.config.geoBaselineSeconds;
    this.placed[slot]!++;
    const finding: GeographyFinding = {};
    const code = country === undefined ? 0 : encodeCountry(country);
    if (code !== 0) {
      if (this.remember(this.countries, slot, code) && learnt) finding.newCountry = country!;
      const last = this.lastCountry[slot]!;
      if (last !== 0 && last !== code) {
        const from = decodeCountry(last);
        const elapsedSeconds = Math.max(0, second - this.lastCountrySecond[slot]!);
        const km = minimumTravelKm(from, country!);
        // At least one second: two requests in the same second from far apart are impossible, not infinite.
        if (km !== undefined && km / (Math.max(1, elapsedSeconds) / 3600) > this.config.maxTravelKmh) {
          finding.travel = { from, to: country!, elapsedSeconds, km: Math.round(km) };
        }
      }
      this.lastCountry[slot] = code;
      this.lastCountrySecond[slot] = second;
    }
    if (asNumber !== undefined && asNumber > 0 && asNumber <= 0xffffffff) {
      if (this.remember(this.asns, slot, asNumber) && learnt) finding.newAsn = String(asNumber);
    }
    return finding;
  }

  /** Adds `value` to the key's ring; true when it was not there. */
  private remember(ring: Uint16Array | Uint32Array, slot: number, value: number): boolean {
    const start = slot * PLACES_PER_KEY;
    for (let index = start; index < start + PLACES_PER_KEY; index++) {
      if (ring[index] === value) return false;
      if (ring[index] === 0) {
        ring[index] = value;
        return true;
      }
    }
    ring[start + (this.placed[slot]! % PLACES_PER_KEY)] = value;
    return true;
  }
}
