// @apitrail/winston formats with a real winston logger: the seed's NDJSON line, the human-readable
// line, the request context, redaction of message and metadata, and hostile metadata.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ROOT_CONTEXT, TraceFlags, context, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import winston from 'winston';
import { ApitrailConfigError, setRequestContext, type RequestContext } from '@apitrail/core/internal';
import { apitrailFormat, apitrailLoggerOptions, colourOnTerminal, readWinstonConfig } from '@apitrail/winston';
import { waitFor } from '../helpers/wait.ts';

/** A stream whose lines land in `lines`; `isTTY` as a terminal's (true) or a pipe's (absent). */
function sinkInto(lines: string[], isTTY = false): Writable {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return isTTY ? Object.assign(sink, { isTTY }) : sink;
}

/** A winston transport whose lines land in `lines`. */
function capture(lines: string[]): winston.transport {
  return new winston.transports.Stream({ stream: sinkInto(lines) });
}

/** A winston logger whose lines land in `lines`, formatted as `APITRAIL_LOG_FORMAT` says. */
function capturingLogger(env: Record<string, string> = {}, colour = false) {
  const lines: string[] = [];
  const logger = winston.createLogger({
    level: 'silly',
    format: apitrailFormat(readWinstonConfig(env), { colour }),
    transports: [capture(lines)],
  });
  return { logger, lines, objects: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function requestScope(): { ctx: Context; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  const requestContext: RequestContext = {
    correlationId: 'req-fmt-1',
    identity: {
      apiKeyId: 'key-1',
      apiKeyName: 'Production Scanner',
      tenantId: 'tenant-1',
      authenticationMethod: 'api_key',
      isApiKeyRequest: true,
    },
  };
  const withSpan = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
  return { ctx: setRequestContext(withSpan, requestContext), traceId, spanId };
}

const secret = (): string => randomBytes(18).toString('base64url');

describe('winston formats', () => {
  before(() => {
    // The API keeps the first global it is given: clear what another suite may have left.
    context.disable();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  after(() => context.disable());

  describe('NDJSON', () => {
    it('writes the seed field names first, in order, with an ISO 8601 UTC timestamp', () => {
      const { logger, objects } = capturingLogger();
      logger.info('scan started', { provider: 'aws', limit: 100 });
      const [line] = objects();
      expect(Object.keys(line!)).to.deep.equal(['timestamp', 'level', 'message', 'logger', 'provider', 'limit']);
      expect(line).to.include({ level: 'INFO', message: 'scan started', logger: 'app', provider: 'aws', limit: 100 });
      expect(line!.timestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('takes the logger name from the metadata, and the level from winston, not a colourised copy', () => {
      const { logger, objects } = capturingLogger();
      logger.child({ logger: 'payments' }).warn('retrying');
      expect(objects()[0]).to.include({ level: 'WARN', logger: 'payments' });
    });

    it('adds trace, span, correlation and identity fields inside a request', () => {
      const { logger, objects } = capturingLogger();
      const { ctx, traceId, spanId } = requestScope();
      context.with(ctx, () => logger.info('inside'));
      expect(objects()[0]).to.deep.include({
        trace_id: traceId,
        span_id: spanId,
        trace_flags: '01',
        request_id: 'req-fmt-1',
        api_key_id: 'key-1',
        api_key_name: 'Production Scanner',
        tenant_id: 'tenant-1',
      });
    });

    it('adds nothing it does not have outside a request', () => {
      const { logger, objects } = capturingLogger();
      logger.info('outside');
      expect(Object.keys(objects()[0]!)).to.deep.equal(['timestamp', 'level', 'message', 'logger']);
    });

    it('lets the request identity win over same-named metadata the caller supplied', () => {
      const { logger, objects } = capturingLogger();
      context.with(requestScope().ctx, () => logger.info('spoof attempt', { tenant_id: 'tenant-evil' }));
      expect(objects()[0]!.tenant_id).to.equal('tenant-1');
    });

    it('keeps a request body logged as metadata from forging audit fields or the audit logger', () => {
      const { logger, objects } = capturingLogger();
      const body = {
        is_api_key_request: true,
        api_key_id: 'victim-key',
        'api_key.id': 'victim-key',
        status_code: 500,
        source_ip: '203.0.113.66',
        authentication_method: 'api_key',
        event: 'apitrail.api_request',
        logger: 'api',
        truncated: false,
      };
      context.with(requestScope().ctx, () => logger.info('payload received', body));
      logger.info('outside a request', body);
      const [inside, outside] = objects();
      for (const line of [inside!, outside!]) {
        for (const field of ['is_api_key_request', 'api_key.id', 'authentication_method', 'event', 'truncated']) {
          expect(line, field).to.not.have.property(field);
          expect(line, field).to.have.property(`app.${field}`);
        }
        expect(line.logger).to.equal('app.api');
        // Descriptive fields apps log themselves stay as they are.
        expect(line).to.include({ status_code: 500, source_ip: '203.0.113.66' });
      }
      expect(inside!.api_key_id).to.equal('key-1');
      expect(outside).to.not.have.property('api_key_id');
      expect(outside).to.have.property('app.api_key_id');
      expect(inside!['app.is_api_key_request']).to.equal(true);
    });

    it('keeps a newline in the message inside one line (CWE-117)', () => {
      const { logger, lines, objects } = capturingLogger();
      logger.info('first\n{"level":"INFO","message":"forged"}');
      expect(lines).to.have.length(1);
      expect(objects()[0]!.message).to.equal('first\n{"level":"INFO","message":"forged"}');
    });
  });

  describe('redaction', () => {
    it('removes secrets from the message and from nested metadata, arrays and Error stacks', () => {
      const { logger, lines, objects } = capturingLogger();
      const [bearer, password, nested, inError] = [secret(), secret(), secret(), secret()];
      logger.error(`calling upstream with Authorization: Bearer ${bearer}`, {
        user: { name: 'alice', password },
        attempts: [{ headers: { authorization: `Bearer ${nested}` } }],
        err: new Error(`upstream refused token=${inError}`),
      });
      const output = lines.join('\n');
      for (const value of [bearer, password, nested, inError]) expect(output).to.not.include(value);
      const [line] = objects();
      expect(line!.message).to.match(/^calling upstream with Authorization: /);
      expect((line!.user as Record<string, unknown>).name).to.equal('alice');
      const err = line!.err as Record<string, unknown>;
      expect(err.name).to.equal('Error');
      expect(err.stack).to.be.a('string').and.include('winston-formats.test.ts');
    });

    it('does not alter the objects the app passed', () => {
      const { logger } = capturingLogger();
      const password = secret();
      const meta = { user: { password } };
      logger.info('login', meta);
      expect(meta.user.password).to.equal(password);
    });
  });

  describe('hostile metadata', () => {
    const hostile: [string, () => unknown[]][] = [
      [
        'a circular reference',
        () => {
          const loop: Record<string, unknown> = { name: 'loop' };
          loop.self = loop;
          return ['circular', { loop }];
        },
      ],
      ['a BigInt', () => ['bigint', { amount: 12345678901234567890n }]],
      ['a Buffer', () => ['buffer', { payload: Buffer.from(secret()) }]],
      ['a Symbol', () => ['symbol', { tag: Symbol('tag') }]],
      [
        'a getter that throws',
        () => {
          const trap = {};
          Object.defineProperty(trap, 'boom', {
            enumerable: true,
            get() {
              throw new Error('getter exploded');
            },
          });
          return ['getter', { trap }];
        },
      ],
      [
        'a Proxy whose traps throw',
        () => [
          'proxy',
          {
            proxy: new Proxy(
              {},
              {
                ownKeys() {
                  throw new Error('no keys for you');
                },
                getPrototypeOf() {
                  throw new Error('no prototype either');
                },
              },
            ),
          },
        ],
      ],
      ['a 1 MB string', () => ['huge', { blob: 'x'.repeat(1024 * 1024) }]],
      ['a 1 MB message', () => ['y'.repeat(1024 * 1024)]],
      [
        'nesting 10 000 levels deep',
        () => {
          let deep: Record<string, unknown> = {};
          for (let level = 0; level < 10_000; level++) deep = { deep };
          return ['deep', deep];
        },
      ],
      ['100 000 keys', () => ['wide', Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))]],
      ['a thrown string as the message', () => ['a plain string was thrown']],
      ['a thrown undefined as the message', () => [undefined]],
      ['a thrown null as the message', () => [null]],
      ['a thrown number as the message', () => [42]],
      ['a thrown object without message as the message', () => [{ code: 'E_WEIRD' }]],
    ];

    for (const format of ['ndjson', 'human_readable']) {
      for (const [what, args] of hostile) {
        it(`${format}: ${what} gives one valid, bounded line and never throws`, () => {
          const { logger, lines } = capturingLogger({ APITRAIL_LOG_FORMAT: format });
          const log = logger.error.bind(logger) as (...values: unknown[]) => void;
          expect(() => log(...args())).to.not.throw();
          expect(lines).to.have.length(1);
          expect(lines[0]!.length).to.be.below(100_000);
          if (format === 'ndjson') expect(() => JSON.parse(lines[0]!) as unknown).to.not.throw();
        });
      }
    }

    it('marks a line whose metadata was cut as truncated', () => {
      const { logger, objects } = capturingLogger();
      logger.info('huge', { blob: 'x'.repeat(1024 * 1024) });
      logger.info('small', { fine: true });
      const [huge, small] = objects();
      expect(huge!.truncated).to.equal(true);
      expect((huge!.blob as string).length).to.be.below(10_000);
      expect(small).to.not.have.property('truncated');
    });

    it('renders the hostile values as placeholders, keeping the rest of the line', () => {
      const { logger, objects } = capturingLogger();
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      logger.info('mixed', { loop, big: 10n, buf: Buffer.from('abc'), sym: Symbol('s'), keep: 'me' });
      expect(objects()[0]).to.deep.include({
        loop: { self: '[Circular]' },
        big: '10',
        buf: '[Buffer: 3 bytes]',
        sym: 'Symbol(s)',
        keep: 'me',
      });
    });
  });

  describe('human_readable', () => {
    it('writes an aligned line with control characters neutralised and no colour off a TTY', () => {
      const { logger, lines } = capturingLogger({ APITRAIL_LOG_FORMAT: 'human_readable' });
      logger.info('hello\nINFO forged line \u001b[31mred', { agent: 'x\r\ny' });
      expect(lines).to.have.length(1);
      expect(lines[0]).to.not.include('\u001b');
      expect(lines[0]).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}app {16}hello\\nINFO forged line \\u001b\[31mred/);
      expect(lines[0]).to.include('agent=x\\r\\ny');
    });

    it('colours only the level when asked to', () => {
      const { logger, lines } = capturingLogger({ APITRAIL_LOG_FORMAT: 'human_readable' }, true);
      logger.error('bad \u001b[2J');
      expect(lines[0]).to.include('\u001b[31mERROR\u001b[0m');
      expect(lines[0]).to.include('bad \\u001b[2J');
    });
  });

  describe('colour follows the transport a line is written to', () => {
    const ANSI = '\u001b[';
    const humanReadable = () =>
      apitrailLoggerOptions({ APITRAIL_LOG_FORMAT: 'human_readable', APITRAIL_LOG_LEVEL: 'info' });
    let directory: string;
    let stdoutWasTTY: boolean | undefined;

    beforeEach(async () => {
      directory = await mkdtemp(join(tmpdir(), 'apitrail-winston-colour-'));
      // The test process as if started from a terminal: the case where a process-wide TTY check would
      // colour every transport, file ones included.
      stdoutWasTTY = process.stdout.isTTY;
      process.stdout.isTTY = true;
    });
    afterEach(async () => {
      process.stdout.isTTY = stdoutWasTTY as boolean;
      await rm(directory, { recursive: true, force: true });
    });

    /** Runs `work` with the global console writing to `stdout` and `stderr` (mocha's reporter uses it too). */
    async function withConsoleStreams<T>(stdout: Writable, stderr: Writable, work: () => Promise<T>): Promise<T> {
      const streams = console as unknown as { _stdout: NodeJS.WritableStream; _stderr: NodeJS.WritableStream };
      const real = { stdout: streams._stdout, stderr: streams._stderr };
      Object.assign(streams, { _stdout: stdout, _stderr: stderr });
      try {
        return await work();
      } finally {
        Object.assign(streams, { _stdout: real.stdout, _stderr: real.stderr });
      }
    }

    async function fileLines(filename: string, count: number): Promise<string[]> {
      return waitFor(`${count} lines in ${filename}`, async () => {
        const lines = (await readFile(join(directory, filename), 'utf8').catch(() => '')).split('\n').filter(Boolean);
        return lines.length >= count ? lines : undefined;
      });
    }

    it('writes plain lines to File and Stream transports, wrapped or not, even when stdout is a terminal', async () => {
      const toPipe: string[] = [];
      const toTerminalUnwrapped: string[] = [];
      const logger = winston.createLogger({
        ...humanReadable(),
        transports: [
          new winston.transports.File({ dirname: directory, filename: 'plain.log' }),
          colourOnTerminal(new winston.transports.File({ dirname: directory, filename: 'wrapped.log' })),
          colourOnTerminal(new winston.transports.Stream({ stream: sinkInto(toPipe) })),
          // Without colourOnTerminal() apitrail does not guess, not even for a terminal.
          new winston.transports.Stream({ stream: sinkInto(toTerminalUnwrapped, true) }),
        ],
      });
      logger.error('disk full');
      logger.warn('retrying');
      const written = [
        ...(await fileLines('plain.log', 2)),
        ...(await fileLines('wrapped.log', 2)),
        ...toPipe,
        ...toTerminalUnwrapped,
      ];
      logger.close();
      expect(written).to.have.length(8);
      for (const line of written) {
        expect(line).to.match(/ (ERROR|WARN ) app {16}(disk full|retrying)$/);
        expect(line).to.not.include(ANSI);
      }
    });

    it('colours, line by line, what a wrapped Console or Stream writes to a terminal, and nothing else', async () => {
      const terminal: string[] = [];
      const consoleOut: string[] = [];
      const consoleErr: string[] = [];
      const logger = winston.createLogger({
        ...humanReadable(),
        transports: [
          colourOnTerminal(new winston.transports.Stream({ stream: sinkInto(terminal, true) })),
          colourOnTerminal(new winston.transports.Console({ stderrLevels: ['error'] })),
          colourOnTerminal(new winston.transports.File({ dirname: directory, filename: 'app.log' })),
        ],
      });
      // Console writes to the global console's streams: here stdout a terminal, stderr redirected.
      const [fileInfo, fileError] = await withConsoleStreams(
        sinkInto(consoleOut, true),
        sinkInto(consoleErr),
        async () => {
          logger.info('scan started', { provider: 'aws' });
          logger.error('disk full \u001b[2J');
          await waitFor('the console lines', () => (consoleOut.length + consoleErr.length >= 2 ? true : undefined));
          return fileLines('app.log', 2);
        },
      );
      logger.close();

      expect(terminal).to.have.length(2);
      expect(terminal[0]).to.include('\u001b[32mINFO \u001b[0m').and.include('\u001b[2mprovider=aws\u001b[0m');
      expect(terminal[1]).to.include('\u001b[31mERROR\u001b[0m').and.include('disk full \\u001b[2J');
      expect(consoleOut).to.deep.equal([terminal[0]]);
      // The error went to the redirected stderr: plain, the same line the file got.
      expect(consoleErr).to.have.length(1);
      expect(consoleErr[0]).to.not.include(ANSI);
      expect(consoleErr[0]).to.equal(fileError);
      expect(fileInfo).to.not.include(ANSI);
      expect(terminal[0]!.replace(/\u001b\[\d+m/g, '')).to.equal(fileInfo);
    });

    it('leaves alone a line the transport’s own format rewrote, terminal or not', async () => {
      const terminal: string[] = [];
      const logger = winston.createLogger({
        ...humanReadable(),
        transports: [
          colourOnTerminal(
            new winston.transports.Stream({
              stream: sinkInto(terminal, true),
              format: winston.format.printf((info) => `custom ${String(info.message)}`),
            }),
          ),
        ],
      });
      logger.warn('retrying');
      logger.close();
      expect(terminal).to.deep.equal(['custom retrying']);
    });
  });

  describe('configuration', () => {
    it('defaults to ndjson at info, like DJANGO_LOGGING_FORMATTER / DJANGO_LOGGING_LEVEL', () => {
      expect(readWinstonConfig({})).to.deep.equal({ format: 'ndjson', level: 'info' });
      expect(readWinstonConfig({ APITRAIL_LOG_FORMAT: 'human_readable', APITRAIL_LOG_LEVEL: 'warning' })).to.deep.equal(
        { format: 'human_readable', level: 'warning' },
      );
    });

    for (const [variable, value] of [
      ['APITRAIL_LOG_FORMAT', 'xml'],
      ['APITRAIL_LOG_LEVEL', 'loud'],
      ['APITRAIL_REDACT_MODE', 'shred'],
    ] as const) {
      it(`refuses ${variable}=${value}, naming the variable`, () => {
        expect(() => apitrailLoggerOptions({ [variable]: value }))
          .to.throw(ApitrailConfigError)
          .with.property('setting', variable);
      });
    }

    it('sets the logger level from APITRAIL_LOG_LEVEL', () => {
      const lines: string[] = [];
      const logger = winston.createLogger({
        ...apitrailLoggerOptions({ APITRAIL_LOG_LEVEL: 'warn' }),
        transports: [capture(lines)],
      });
      logger.info('dropped');
      logger.warn('kept');
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include('kept');
    });
  });
});
