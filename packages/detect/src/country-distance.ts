import { createRequire } from 'node:module';

interface CountryRecord {
  readonly cca2: string;
  readonly cca3: string;
  readonly latlng: readonly number[];
  readonly borders?: readonly string[];
}

interface Country {
  readonly latitude: number;
  readonly longitude: number;
  readonly neighbours: ReadonlySet<string>;
}

const EARTH_RADIUS_KM = 6371;

let countries: ReadonlyMap<string, Country> | undefined;

/**
 * Country centroids and land borders from the world-countries package (ODbL 1.0), read on first
 * use: only a process that sees countries pays for it.
 */
function table(): ReadonlyMap<string, Country> {
  if (countries !== undefined) return countries;
  const records = createRequire(__filename)('world-countries') as readonly CountryRecord[];
  const cca2Of = new Map(records.map((record) => [record.cca3, record.cca2]));
  countries = new Map(
    records
      .filter((record) => record.latlng.length === 2)
      .map((record) => [
        record.cca2,
        {
          latitude: record.latlng[0]!,
          longitude: record.latlng[1]!,
          neighbours: new Set((record.borders ?? []).map((cca3) => cca2Of.get(cca3) ?? '')),
        },
      ]),
  );
  return countries;
}

/**
 * Distance in km a traveller must at least cover between two countries, from their centroids
 * (great circle); 0 for the same or neighbouring countries (centroids say nothing about a border
 * town), `undefined` when either is unknown.
 */
export function minimumTravelKm(from: string, to: string): number | undefined {
  if (from === to) return 0;
  const a = table().get(from);
  const b = table().get(to);
  if (a === undefined || b === undefined) return undefined;
  if (a.neighbours.has(to)) return 0;
  const radians = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * radians;
  const dLon = (b.longitude - a.longitude) * radians;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * radians) * Math.cos(b.latitude * radians) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
