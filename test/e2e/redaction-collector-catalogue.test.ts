// Collector parity: the generated redaction.yaml carries the whole credential catalogue in RE2. With
// the SDK's redaction out of the way (telemetry posted straight to the collector as OTLP, as an app
// without apitrail's processors would send it), the real collector alone masks every generated
// sample of every format (three per format), raw and inside a JSON string, in log bodies, log
// attributes, span attributes and span events. The control: the same corpus through
// local-file.yaml (no redaction processor) comes out whole, so the search can find what leaks.
import { expect } from 'chai';
import { CREDENTIAL_FORMATS, DEFAULT_PATTERNS, catalogueRe2 } from '@apitrail/redaction/internal';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { samplesOf, type CredentialSample } from '../helpers/credential-samples.ts';
import { sendRawTelemetry } from '../helpers/raw-telemetry.ts';

/** How a sample is written into the telemetry. */
const ENCODINGS: Record<string, (text: string) => string> = {
  raw: (text) => text,
  json_string: (text) => JSON.stringify({ detail: `ran with ${text}` }),
};

/** Posts every sample in every encoding to `collector`, and returns what it wrote. */
async function sendCorpus(collector: RunningCollector, samples: readonly CredentialSample[]): Promise<string> {
  const cases = samples.flatMap((sample) => Object.values(ENCODINGS).map((encode) => encode(sample.text)));
  return sendRawTelemetry(
    collector,
    'catalogue-parity',
    cases.map((text, index) => ({
      body: `request ${index} failed: ${text}`,
      attributes: { 'app.note': `note ${text}`, 'app.query': `page=2&q=${text}&sort=asc` },
    })),
    cases.map((text) => ({
      name: 'GET /api/v1/items',
      attributes: { 'url.query': `note=${text}`, 'user_agent.original': `curl (${text})` },
      events: [{ name: 'exception', attributes: { 'exception.message': `upstream rejected ${text}` } }],
    })),
  );
}

/**
 * Formats with a sample of which an 8-character piece is in `output`, each with where one was. One
 * pass over `output` looks every 8-character window up among the samples' pieces: searching the
 * output once per piece would cost the pieces' count times its length.
 */
function leakingFormats(written: string, samples: readonly CredentialSample[]): Map<string, string> {
  // Trace and span ids are random hex, written by the collector beside every record: over thousands
  // of them an 8-digit window matches a piece of some hex sample by chance now and then. They hold
  // nothing the test sent, so they are left out of the search.
  const output = written.replace(/"(traceId|spanId|parentSpanId)":"[0-9a-fA-F]*"/g, '"$1":""');
  const formatsOfPiece = new Map<string, string[]>();
  for (const sample of samples) {
    for (let at = 0; at + 8 <= sample.secret.length; at++) {
      const piece = sample.secret.slice(at, at + 8);
      formatsOfPiece.set(piece, [...(formatsOfPiece.get(piece) ?? []), sample.format]);
    }
  }
  const leaking = new Map<string, string>();
  for (let at = 0; at + 8 <= output.length; at++) {
    for (const format of formatsOfPiece.get(output.slice(at, at + 8)) ?? []) {
      if (!leaking.has(format)) leaking.set(format, output.slice(Math.max(0, at - 80), at + 40));
    }
  }
  return leaking;
}

/**
 * The collector's value regexes that can match inside a token, as JavaScript regexes (the RE2 used
 * is a subset V8 runs): each prefixed format's own, and the SDK's value patterns (cards, JWTs…).
 */
const INNER_REGEXES = [
  ...CREDENTIAL_FORMATS.filter((format) => format.prefixes.length > 0).map((format) => ({
    id: format.id,
    regexes: catalogueRe2([format]).map((source) => new RegExp(source)),
  })),
  ...DEFAULT_PATTERNS.map((pattern) => ({
    id: `pattern ${pattern.source}`,
    regexes: [new RegExp(pattern.source, pattern.caseInsensitive ? 'i' : '')],
  })),
];

/**
 * Whether the sample's secret holds a token of another prefixed format that ends or starts inside it
 * (a random body can: 200 base64url characters hold many short prefixes). The Collector runs its
 * regexes in no fixed order, so that format's regex may mask its piece first, and the sample's own
 * regex then no longer matches the rest: a limit of the Collector copy, documented in
 * docs/redaction.md (the SDK's one-pass scanner masks the longest token). A format whose match
 * covers the whole secret (`sk-…` over `sk-ant-…`) masks it all in either order and is no overlap.
 */
function holdsAnotherFormat(sample: CredentialSample): boolean {
  const own = new Set(INNER_REGEXES.find(({ id }) => id === sample.format)?.regexes.map(({ source }) => source));
  return INNER_REGEXES.some(
    ({ id, regexes }) =>
      id !== sample.format &&
      regexes.some((regex) => {
        if (own.has(regex.source)) return false;
        const match = regex.exec(sample.secret);
        return match !== null && match[0].length < sample.secret.length;
      }),
  );
}

describe('redaction: the collector alone masks the whole credential catalogue (SDK redaction bypassed)', function () {
  this.timeout(180_000);
  // Three samples per format in each encoding, as the SDK's catalogue test has: the first three of
  // nine candidates (a keyword format's in its three syntaxes) that hold no other format's match.
  const generated = CREDENTIAL_FORMATS.flatMap((format) => samplesOf(format, 9));
  const samples = CREDENTIAL_FORMATS.flatMap(({ id }) =>
    generated.filter((sample) => sample.format === id && !holdsAnotherFormat(sample)).slice(0, 3),
  );
  const collectors: RunningCollector[] = [];

  after(async () => {
    await Promise.all(collectors.map((collector) => collector.stop()));
  });

  it(`masks ${samples.length} samples of ${CREDENTIAL_FORMATS.length} formats in every encoding and position`, async function () {
    const binary = await requireCollector(this);
    const collector = await startCollector(binary, ['local-redacting.yaml', 'redaction.yaml']);
    collectors.push(collector);
    const overlapping = generated.filter(holdsAnotherFormat).map((sample) => sample.format);
    process.stdout.write(
      `      ${overlapping.length} of ${generated.length} candidates hold another format's token or a pattern's match, left out: ${overlapping.join(', ') || 'none'}\n`,
    );
    // Overlaps are rare by chance; many would mean the check, not the bodies, is wrong.
    expect(overlapping.length, 'samples left out').to.be.below(generated.length / 20);
    expect(samples, 'three samples of every format').to.have.length(3 * CREDENTIAL_FORMATS.length);
    const output = await sendCorpus(collector, samples);
    expect(output).to.include('catalogue-parity');
    expect(Object.fromEntries(leakingFormats(output, samples))).to.deep.equal({});
  });

  it('control: without the redaction processor every format comes out, so the search finds leaks', async function () {
    const binary = await requireCollector(this);
    const collector = await startCollector(binary, 'local-file.yaml');
    collectors.push(collector);
    const output = await sendCorpus(collector, samples);
    expect(leakingFormats(output, samples).size).to.equal(CREDENTIAL_FORMATS.length);
  });
});
