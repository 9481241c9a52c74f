// What an app's own winston transports write under the zero-code register: the secrets the app
// carelessly logs (message, metadata nested in objects and arrays, an Error's message and stack, splat
// arguments, the record object itself) are redacted on Console and File, for loggers of every kind
// (created first, child, container, default, configured and given transports later, and with
// apitrail's own format on top), while the app's formats keep shaping the lines.
// APITRAIL_REDACT_LOCAL_LOGS=false is the control: the same run then prints every secret.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { leakForms } from '../helpers/identity-keys.ts';
import { randomString } from '../helpers/redaction-secrets.ts';
import { repoRoot } from '../helpers/app.ts';

const TAGS = ['early', 'child', 'container', 'default', 'late', 'apitrail'] as const;

interface LocalOutput {
  /** stdout, stderr and the File transport's file, together. */
  readonly text: string;
  /** The lines written by the logger with `tag`, from every output. */
  lines(tag: string): string[];
  /** The JSON lines of the logger with `tag`. */
  json(tag: string): Record<string, unknown>[];
  /** Whether the app's own Error object kept its message and stack after it was logged. */
  readonly originalErrorUntouched: unknown;
}

async function runApp(env: Record<string, string>): Promise<LocalOutput> {
  const directory = mkdtempSync(join(tmpdir(), 'apitrail-winston-local-'));
  const logFile = join(directory, 'app.log');
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--require', '@apitrail/auto/register', join(repoRoot, 'test/fixtures/winston-local-app.cjs')],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
          OTEL_METRICS_EXPORTER: undefined,
          LOCAL_LOG_FILE: logFile,
          ...env,
        },
      },
    );
    const text = [stdout, stderr, readFileSync(logFile, 'utf8')].join('\n');
    const all = text.split('\n');
    const parse = (line: string): Record<string, unknown>[] => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    };
    return {
      text,
      originalErrorUntouched: all.flatMap(parse).find((entry) => 'originalErrorUntouched' in entry)
        ?.originalErrorUntouched,
      lines: (tag) => all.filter((line) => new RegExp(`^(\\w+: )?${tag} |"message":"${tag} `).test(line)),
      json: (tag) =>
        all.flatMap(parse).filter((entry) => typeof entry.message === 'string' && entry.message.startsWith(`${tag} `)),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('winston under the register: what the app’s own transports write', function () {
  this.timeout(60000);
  const secrets = {
    token: randomBytes(24).toString('base64url'),
    password: randomString(20),
    key: `sk_test_${randomString(24)}`,
  };
  const env = { LEAK_TOKEN: secrets.token, LEAK_PASSWORD: secrets.password, LEAK_KEY: secrets.key };
  /** Whole, encoded, and either end of each secret. */
  const fragments = Object.values(secrets).flatMap((secret) => [
    ...leakForms(secret),
    secret.slice(0, 12),
    secret.slice(-12),
  ]);
  const leaks = (text: string): string[] => fragments.filter((fragment) => text.includes(fragment));
  let redacted: LocalOutput;
  let unredacted: LocalOutput;

  before(async () => {
    [redacted, unredacted] = await Promise.all([runApp(env), runApp({ ...env, APITRAIL_REDACT_LOCAL_LOGS: 'false' })]);
  });

  it('writes every line of every logger, and not one fragment of a secret, on Console and File', () => {
    for (const tag of TAGS) {
      // message, meta, Error record, Error as metadata, Error field, splat x2, object record; `late` also to its File.
      expect(redacted.lines(tag), tag).to.have.length(tag === 'late' ? 16 : 8);
    }
    expect(leaks(redacted.text)).to.deep.equal([]);
  });

  it('prints every secret with APITRAIL_REDACT_LOCAL_LOGS=false (the control: these outputs can leak)', () => {
    for (const secret of Object.values(secrets)) expect(unredacted.text).to.include(secret);
  });

  it('keeps the app’s formats: JSON, format.errors() stacks, splat interpolation, simple and printf lines', () => {
    const [message, meta, errorRecord, wrapped, , filled, splatMeta, objectRecord] = redacted.json('early');
    expect(message).to.deep.equal({ level: 'info', message: 'early message Bearer [REDACTED] and [REDACTED]' });
    expect(meta).to.deep.equal({
      level: 'info',
      message: 'early meta',
      password: '[REDACTED]',
      request: { headers: { authorization: '[REDACTED]' } },
      attempts: [{ note: 'retried with [REDACTED]' }],
    });
    for (const error of [errorRecord!, wrapped!]) {
      expect(error.code).to.equal('E_UPSTREAM');
      const [head, frame] = String(error.stack).split('\n');
      expect(head).to.equal('Error: early upstream refused token=[REDACTED]');
      expect(frame, 'the stack keeps its frames').to.include('winston-local-app.cjs');
    }
    expect(filled!.message).to.equal('early splat password=[REDACTED] then [REDACTED]');
    expect(splatMeta).to.deep.equal({
      level: 'info',
      message: 'early splat meta argument',
      api_key: '[REDACTED]',
      region: 'eu-west-1',
    });
    expect(objectRecord).to.deep.equal({ level: 'info', message: 'early object', session: '[REDACTED]' });

    expect(redacted.json('child')[0]).to.include({ component: 'child-component' });
    expect(redacted.lines('container')[0]).to.equal('info: container message Bearer [REDACTED] and [REDACTED]');
    // printf of the raw extra arguments: what format.splat() would interpolate is redacted too.
    expect(redacted.lines('default')).to.include('info: default splat password=%s then %s ["[REDACTED]","[REDACTED]"]');
    expect(redacted.lines('late')).to.include('info: late splat password=[REDACTED] then [REDACTED]');
  });

  it('writes apitrail’s own NDJSON, redacted, when the app also uses apitrailFormat()', () => {
    const lines = redacted.json('apitrail');
    expect(lines).to.have.length(8);
    expect(lines[1]).to.deep.include({
      level: 'INFO',
      logger: 'app',
      password: '[REDACTED]',
      request: { headers: { authorization: '[REDACTED]' } },
    });
  });

  it('leaves the app’s own Error object as it was', () => {
    expect(redacted.originalErrorUntouched).to.equal(true);
  });
});
