// Hardening: secret-leak fuzzing. Thousands of synthetic secrets of every format the redaction rules
// know, raw and re-encoded, go into every place a request or a log can carry text, through the whole
// stack (instrumentation-http with every credential header captured, winston, the OTel APIs, the
// redaction processors, the batch exporters) into the real collector, the local NDJSON file and the
// file the app's own winston transport writes.
// Not one fragment of any of them may come out. Benign look-alikes must come out unharmed.
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { boundedLoad } from '../helpers/load.ts';
import {
  CORE_LENGTH,
  LOOK_ALIKES,
  SECRET_FORMATS,
  coresOf,
  generateSecret,
  randomString,
  type SyntheticSecret,
} from '../helpers/secrets.ts';
import { GLUED_AFTER_UNDERSCORE, GLUED_TO_ANY_WORD } from '../helpers/redaction-secrets.ts';
import { waitFor } from '../helpers/wait.ts';
import { CREDENTIAL_FORMATS } from '@apitrail/redaction/internal';
import { catalogueSamples, type CredentialSample } from '../helpers/credential-samples.ts';

/** Catalogue samples are searched for by 8-character pieces of their random part. */
const PIECE_LENGTH = 8;
const PREFIX_LENGTH = new Map(CREDENTIAL_FORMATS.map((format) => [format.id, format.prefixes[0]?.length ?? 0]));

/**
 * The pieces of a catalogue sample's random part (after its prefix) that must not come out: every
 * 8-character window of its alphanumeric runs, and for hex or digit runs every 12-character one (an
 * 8-digit hex window would coincide with one of the trace ids in the output).
 */
function samplePieces(sample: CredentialSample): { short: string[]; long: string[] } {
  const random = sample.secret.slice(PREFIX_LENGTH.get(sample.format) ?? 0);
  const short: string[] = [];
  const long: string[] = [];
  for (const [run] of random.matchAll(/[A-Za-z0-9]{8,}/g)) {
    for (let start = 0; start + PIECE_LENGTH <= run.length; start++) {
      const piece = run.slice(start, start + PIECE_LENGTH);
      if (!/^[0-9a-fA-F]+$/.test(piece)) short.push(piece);
      else if (start + CORE_LENGTH <= run.length) long.push(run.slice(start, start + CORE_LENGTH));
    }
  }
  return { short, long };
}

/** How a catalogue sample is written where it is injected. */
const CATALOGUE_ENCODINGS: Record<string, (text: string) => string> = {
  raw: (text) => text,
  url_encoded: (text) => encodeURIComponent(text),
  json_string: (text) => JSON.stringify({ detail: `ran with ${text}` }),
};

const PER_FORMAT_AND_VARIANT = 20;
const BENIGN_PER_KIND = 30;

const percentEncodeAll = (text: string): string =>
  [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');

/** How a secret is written where it is injected. */
const VARIANTS: Record<string, (secret: SyntheticSecret) => { text: string; extraCores: string[] }> = {
  raw: (secret) => ({ text: secret.value, extraCores: [] }),
  percent_encoded: (secret) => ({ text: percentEncodeAll(secret.value), extraCores: [] }),
  form_encoded: (secret) => ({ text: encodeURIComponent(secret.value), extraCores: [] }),
  json_nested: (secret) => ({
    text: `config=${JSON.stringify({ service: { upstream: { credentials: [{ value: secret.value }] } } })}`,
    extraCores: [],
  }),
  base64_under_key: (secret) => {
    const encoded = Buffer.from(secret.value).toString('base64');
    return { text: `access_token=${encoded}`, extraCores: coresOf(encoded) };
  },
  glued_to_word: (secret) => ({
    text: `${['token', 'x_', 'ABC', '7'][randomInt(4)]}${secret.value}${['', '_x', 'abc'][randomInt(3)]}`,
    extraCores: [],
  }),
  glued_after_underscore: (secret) => ({ text: `ci_${secret.value}`, extraCores: [] }),
};

/** Variants for some formats only: glued to a word, a secret is found by a distinctive prefix alone. */
const VARIANT_FORMATS: Partial<Record<string, readonly string[]>> = {
  glued_to_word: [...GLUED_TO_ANY_WORD],
  // `sk_`, `rk_` and `sk-` end common words (`task_test_…`): these are found after `_`, not after a letter.
  glued_after_underscore: [...GLUED_TO_ANY_WORD, ...GLUED_AFTER_UNDERSCORE],
};

interface FuzzBody {
  message: string;
  meta: Record<string, unknown>;
  error: string;
  body: string;
  attribute: string;
  structured: Record<string, unknown>;
  spanName: string;
  cookie: string;
}

function nested(depth: number, leaf: Record<string, unknown>): Record<string, unknown> {
  return depth === 0 ? leaf : { [`level${depth}`]: nested(depth - 1, leaf) };
}

function fuzzBody(text: string): FuzzBody {
  return {
    message: `processing ${text} now`,
    meta: {
      request: nested(randomInt(1, 7), { value: text, list: ['a', text] }),
      payload: JSON.stringify({ dsn: text }),
    },
    error: `upstream rejected ${text}`,
    body: `raw body ${text}`,
    attribute: JSON.stringify({ a: { b: text } }),
    structured: { nested: { list: [text], deeper: { value: text } } },
    spanName: `fetch ${text}`,
    cookie: encodeURIComponent(text),
  };
}

const headerSafe = (text: string): string => (/^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text));

/** Headers carrying `text` in every credential and free-text header instrumentation-http captures. */
function secretHeaders(text: string, isAuthorizationValue: boolean): Record<string, string> {
  const safe = headerSafe(text);
  return {
    authorization: isAuthorizationValue ? safe : `Bearer ${safe}`,
    cookie: `session=${safe}; theme=dark`,
    'x-api-key': safe,
    'x-custom-data': `note ${safe}`,
    'user-agent': `fuzz-agent/1.0 (${safe})`,
    'x-tenant-id': safe,
    referer: `https://example.com/callback?code=${encodeURIComponent(text)}`,
    baggage: `fuzz=${encodeURIComponent(text)},user=alice`,
  };
}

const SECRET_POSITIONS = [
  'url path segment',
  'query value (?q=)',
  'query value under a sensitive key (?token=)',
  'URL in a query value (?next=)',
  'Authorization header',
  'Cookie header',
  'X-API-Key header',
  'custom header (X-Custom-Data)',
  'User-Agent',
  'X-Tenant-ID',
  'Referer',
  'baggage (header, span attribute, log line)',
  'winston message',
  'winston meta, nested 1-6 deep and in arrays',
  'JSON string inside winston meta',
  'error message and stack (winston and span exception event)',
  'OTel log body (string)',
  'OTel log body (nested map and array)',
  'OTel log attribute (JSON text)',
  'span name',
  'span attribute',
  'span event attribute',
  'Set-Cookie response header',
];

/** Every `length` window of every alphanumeric run of `text` that is one of `cores`. */
function findCores(text: string, cores: ReadonlyMap<string, string>, length = CORE_LENGTH): Set<string> {
  const found = new Set<string>();
  for (const [run] of text.matchAll(new RegExp(`[A-Za-z0-9]{${length},}`, 'g'))) {
    for (let start = 0; start + length <= run.length; start++) {
      const window = run.slice(start, start + length);
      if (cores.has(window)) found.add(window);
    }
  }
  return found;
}

/** One line per leaking format/encoding: how many fragments got out, and where one of them was. */
function describeLeaks(leaks: ReadonlyMap<string, string>, views: readonly string[]): string {
  const byKind = new Map<string, { count: number; example: string }>();
  for (const [core, where] of leaks) {
    const kind = where.split(' #')[0]!;
    const entry = byKind.get(kind) ?? { count: 0, example: '' };
    entry.count += 1;
    if (entry.example === '') {
      const view = views.find((text) => text.includes(core))!;
      const at = view.indexOf(core);
      entry.example = JSON.stringify(view.slice(Math.max(0, at - 160), at + CORE_LENGTH));
    }
    byKind.set(kind, entry);
  }
  return [...byKind].map(([kind, { count, example }]) => `  ${kind}: ${count}, e.g. …${example}`).join('\n');
}

const decodePercent = (text: string): string =>
  text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });

describe('hardening: secret-leak fuzzing through the full stack', function () {
  this.timeout(300_000);
  let collector: RunningCollector;
  let app: RunningApp;
  let ndjsonFile: string;
  let winstonFile: string;

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, 'local-file.yaml');
    const directory = await mkdtemp(join(tmpdir(), 'apitrail-fuzz-'));
    ndjsonFile = join(directory, 'audit.ndjson');
    winstonFile = join(directory, 'app.log');
    app = await startApp({
      script: 'test/fixtures/secrets-app.cjs',
      loader: 'none',
      env: {
        OTEL_SERVICE_NAME: 'hardening-secrets',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'otlp,ndjson',
        APITRAIL_NDJSON_FILE: ndjsonFile,
        WINSTON_LOCAL_FILE: winstonFile,
        OTEL_BLRP_MAX_QUEUE_SIZE: '200000',
        OTEL_BSP_MAX_QUEUE_SIZE: '200000',
        OTEL_BLRP_SCHEDULE_DELAY: '200',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_LOG_LEVEL: 'warn',
      },
    });
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  async function send(id: string, text: string, headers: Record<string, string>, query: string): Promise<void> {
    const response = await fetch(`${app.baseUrl}/api/fuzz/${encodeURIComponent(text)}?${query}`, {
      method: 'POST',
      headers: { ...headers, 'x-request-id': id, 'content-type': 'application/json' },
      body: JSON.stringify(fuzzBody(text)),
    });
    expect(response.status, id).to.equal(200);
    await response.arrayBuffer();
  }

  const OUTPUT_FILES = ['logs.jsonl', 'traces.jsonl'];

  /** What the collector's output files hold, as bytes per file. */
  async function outputFiles(): Promise<Buffer[]> {
    return Promise.all(OUTPUT_FILES.map((name) => readFile(join(collector.outputDir, name))));
  }

  /** What the collector wrote after `earlier` (an earlier outputFiles()), as text. */
  async function outputSince(earlier: Buffer[]): Promise<string> {
    const now = await outputFiles();
    return now.map((bytes, n) => bytes.subarray(earlier[n]!.length).toString('utf8')).join('\n');
  }

  async function exportedAuditIds(prefix: string): Promise<Set<string>> {
    const audits = (await collector.logs()).filter((record) => record.eventName === 'apitrail.api_request');
    return new Set(
      audits.map((record) => String(record.attributes['correlation.id'])).filter((id) => id.startsWith(prefix)),
    );
  }

  it('not one fragment of thousands of synthetic secrets reaches the collector, the NDJSON file or the app’s log file', async () => {
    const formats = Object.keys(SECRET_FORMATS);
    const cases = Object.keys(VARIANTS).flatMap((variant) =>
      (VARIANT_FORMATS[variant] ?? formats).flatMap((format) =>
        Array.from({ length: PER_FORMAT_AND_VARIANT }, () => ({ variant, format })),
      ),
    );
    const cores = new Map<string, string>();
    await boundedLoad(cases.length, 8, async (n) => {
      const { variant, format } = cases[n]!;
      const secret = generateSecret(format);
      const { text, extraCores } = VARIANTS[variant]!(secret);
      for (const core of [...secret.cores, ...extraCores]) cores.set(core, `${format}/${variant} #${n}`);
      const query = new URLSearchParams({
        q: text,
        token: secret.value,
        next: `https://example.com/?x=${text}`,
      }).toString();
      const isAuthorization = /^(bearer|basic|token) /i.test(secret.value) && variant === 'raw';
      await send(`secret-${n}`, text, secretHeaders(text, isAuthorization), query);
    });
    expect(formats.length, 'formats').to.be.at.least(15);

    await waitFor(
      'every request audited at the collector',
      async () => ((await exportedAuditIds('secret-')).size === cases.length ? true : undefined),
      120_000,
    );
    const raw = await collector.rawOutput();
    const ndjson = await readFile(ndjsonFile, 'utf8');
    expect(ndjson.split('\n').filter((line) => line.includes('"apitrail.api_request"'))).to.have.length(cases.length);
    const local = await readFile(winstonFile, 'utf8');
    expect(local.split('\n').filter((line) => line.includes('"request details"'))).to.have.length(cases.length);
    // Leaks re-encoded on the way out count too: percent-decoded, and card digits regrouped.
    const views = [raw, ndjson, local].flatMap((text) => [
      text,
      decodePercent(text),
      text.replace(/(\d)[ +-](?=\d)/g, '$1'),
    ]);
    const leaks = new Map<string, string>();
    for (const view of views) for (const core of findCores(view, cores)) leaks.set(core, cores.get(core)!);
    process.stdout.write(
      `      secrets: ${cases.length} (${formats.length} formats, ${Object.keys(VARIANTS).length} encodings, glued ones for prefixed formats), ` +
        `positions: ${SECRET_POSITIONS.length}, fragments searched: ${cores.size}, secrets leaked: ${new Set(leaks.values()).size}, ` +
        `bytes searched: ${raw.length + ndjson.length + local.length}\n`,
    );
    expect(leaks.size, `leaked fragments:\n${describeLeaks(leaks, views)}`).to.equal(0);
  });

  it('not one 8-character piece of 3 generated samples of every catalogue format, raw, URL-encoded or in a JSON string, gets out of any position', async () => {
    const samples = catalogueSamples(3);
    const cases = samples.flatMap((sample) =>
      Object.keys(CATALOGUE_ENCODINGS).map((encoding) => ({ sample, encoding })),
    );
    const shortPieces = new Map<string, string>();
    const longPieces = new Map<string, string>();
    for (const { sample } of cases) {
      const { short, long } = samplePieces(sample);
      for (const piece of short) shortPieces.set(piece, sample.format);
      for (const piece of long) longPieces.set(piece, sample.format);
    }
    const before = await outputFiles();
    const ndjsonBefore = (await readFile(ndjsonFile)).length;
    const localBefore = (await readFile(winstonFile)).length;
    await boundedLoad(cases.length, 8, async (n) => {
      const { sample, encoding } = cases[n]!;
      const text = CATALOGUE_ENCODINGS[encoding]!(sample.text);
      const query = new URLSearchParams({ q: text, note: sample.text, next: `https://example.com/?x=${text}` });
      await send(`catalogue-${n}`, text, secretHeaders(text, false), query.toString());
    });
    await waitFor(
      'every catalogue request audited at the collector',
      async () => ((await exportedAuditIds('catalogue-')).size === cases.length ? true : undefined),
      180_000,
    );
    const raw = await outputSince(before);
    const ndjson = (await readFile(ndjsonFile)).subarray(ndjsonBefore).toString('utf8');
    const local = (await readFile(winstonFile)).subarray(localBefore).toString('utf8');
    const views = [raw, ndjson, local].flatMap((text) => [text, decodePercent(text)]);
    const leaks = new Map<string, string>();
    for (const view of views) {
      for (const piece of findCores(view, shortPieces, PIECE_LENGTH)) leaks.set(piece, shortPieces.get(piece)!);
      for (const piece of findCores(view, longPieces)) leaks.set(piece, longPieces.get(piece)!);
    }
    process.stdout.write(
      `      catalogue: ${samples.length} samples of ${CREDENTIAL_FORMATS.length} formats x ${Object.keys(CATALOGUE_ENCODINGS).length} encodings = ${cases.length} requests, ` +
        `positions: ${SECRET_POSITIONS.length}, pieces searched: ${shortPieces.size + longPieces.size}, formats leaked: ${new Set(leaks.values()).size}\n`,
    );
    expect(shortPieces.size + longPieces.size).to.be.above(cases.length);
    expect(leaks.size, `leaked pieces:\n${describeLeaks(leaks, views)}`).to.equal(0);
  });

  it('benign look-alikes survive (false-positive rate reported, and zero)', async () => {
    const kinds = Object.keys(LOOK_ALIKES);
    // Each look-alike travels beside a plain control word through the same non-secret positions: the
    // control's count of appearances is what the look-alike's must be.
    const samples = kinds.flatMap((kind) =>
      Array.from({ length: BENIGN_PER_KIND }, () => ({
        kind,
        value: LOOK_ALIKES[kind]!(),
        control: `ctl${randomString(12, 'abcdefghijklmnopqrstuvwxyz')}`,
      })),
    );
    // Not X-Tenant-ID: identity values are deliberately truncated, which would read as redaction.
    const headersFor = (text: string): Record<string, string> => ({
      'x-custom-data': `note ${text}`,
      'user-agent': `fuzz-agent/1.0 (${text})`,
    });
    const before = await outputFiles();
    const localBefore = (await readFile(winstonFile)).length;
    await boundedLoad(samples.length, 8, async (n) => {
      for (const [id, text] of [
        [`benign-${n}`, samples[n]!.value],
        [`control-${n}`, samples[n]!.control],
      ] as const) {
        await send(id, text, headersFor(text), new URLSearchParams({ ref: text }).toString());
      }
    });
    await waitFor(
      'every benign request audited at the collector',
      async () => ((await exportedAuditIds('control-')).size === samples.length ? true : undefined),
      120_000,
    );
    // Only what the look-alike phase wrote: searching the fuzz phase's output too would be slow.
    const local = (await readFile(winstonFile)).subarray(localBefore).toString('utf8');
    const raw = `${await outputSince(before)}\n${local}`;
    const count = (needle: string): number => {
      let total = 0;
      for (let at = raw.indexOf(needle); at !== -1; at = raw.indexOf(needle, at + needle.length)) total++;
      return total;
    };
    const redactedByKind = new Map<string, number>();
    let positions = 0;
    let redacted = 0;
    for (const sample of samples) {
      const expected = count(sample.control);
      const encoded = encodeURIComponent(sample.value);
      const seen = count(sample.value) + (encoded === sample.value ? 0 : count(encoded));
      positions += expected;
      const missing = Math.max(0, expected - seen);
      redacted += missing;
      if (missing > 0) redactedByKind.set(sample.kind, (redactedByKind.get(sample.kind) ?? 0) + missing);
    }
    process.stdout.write(
      `      look-alikes: ${samples.length} (${kinds.length} kinds), positions checked: ${positions}, ` +
        `redacted: ${redacted}, false-positive rate: ${((100 * redacted) / positions).toFixed(2)}%\n`,
    );
    expect(positions).to.be.above(samples.length * 10);
    expect(Object.fromEntries(redactedByKind), 'redacted look-alikes by kind').to.deep.equal({});
  });
});
