// Redaction of what an app's own winston transports write, in process, through instrumentLogger()
// (the same Logger#write wrapper the register's patch installs; test/e2e/winston-local-redaction
// runs it through the real register): once per record, never for a line no transport writes,
// whatever transports and children the logger gets later, and never the app's text when the
// record cannot be read.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import winston from 'winston';
import { ApitrailConfigError } from '@apitrail/core';
import { createRedaction, createRedactor, readRedactionConfig, type Redactor } from '@apitrail/redaction';
import { apitrailContext, instrumentLogger } from '@apitrail/winston';

const secret = (): string => randomBytes(18).toString('base64url');

/** A winston transport whose lines land in `lines`. */
function capture(
  lines: string[],
  options: Omit<winston.transports.StreamTransportOptions, 'stream'> = {},
): winston.transport {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return new winston.transports.Stream({ ...options, stream });
}

/** The real default rule set, counting the structured values it is asked to redact. */
function countingRedactor(): Redactor & { values: number } {
  const real = createRedactor();
  const counting = {
    values: 0,
    mode: real.mode,
    redactText: (text: string) => real.redactText(text),
    redactAttributes: real.redactAttributes,
    redactValue: (...args: Parameters<Redactor['redactValue']>) => {
      counting.values += 1;
      return real.redactValue(...args);
    },
  };
  return counting;
}

describe('winston: redaction of the app’s own transports (zero-code write wrapper)', () => {
  it('redacts a record once when the app also put apitrailContext() with the same rule set in its format', () => {
    const redactor = countingRedactor();
    const lines: string[] = [];
    const format = winston.format.combine(apitrailContext({ redactor }), winston.format.json());
    const logger = instrumentLogger(winston.createLogger({ format, transports: [capture(lines)] }), {
      localRedaction: redactor,
    });
    const password = secret();
    logger.info('login', { user: 'alice', password });
    expect(JSON.parse(lines[0]!)).to.include({ message: 'login', user: 'alice', password: '[REDACTED]' });
    // One walk of the metadata: the merged splat argument reuses it, apitrailContext() skips the record.
    expect(redactor.values).to.equal(1);
  });

  it('redacts a record a different rule set redacted before, with its own rules too', () => {
    const lines: string[] = [];
    const custom = createRedactor({ rules: { keys: ['*customer_ref*'], patterns: [], allow: [] } });
    const format = winston.format.combine(apitrailContext({ redactor: custom }), winston.format.json());
    const logger = instrumentLogger(winston.createLogger({ format, transports: [capture(lines)] }));
    logger.info('order', { customer_ref: secret(), password: secret() });
    expect(JSON.parse(lines[0]!)).to.include({ customer_ref: '[REDACTED]', password: '[REDACTED]' });
  });

  it('does not redact a line no transport writes (winston still runs the formats on it)', () => {
    const redactor = countingRedactor();
    const lines: string[] = [];
    const logger = instrumentLogger(
      winston.createLogger({ level: 'info', transports: [capture(lines), capture(lines, { level: 'warn' })] }),
      { localRedaction: redactor },
    );
    logger.debug('cache miss', { password: secret() });
    expect(redactor.values).to.equal(0);
    expect(lines).to.deep.equal([]);
    logger.info('login', { password: secret() });
    expect(redactor.values).to.equal(1);
    expect(lines).to.have.length(1);
  });

  it('covers transports added later, configure() with new ones, and child loggers', () => {
    const [first, added, configured]: [string[], string[], string[]] = [[], [], []];
    const logger = instrumentLogger(winston.createLogger({ transports: [capture(first)] }));
    const token = secret();
    logger.add(capture(added, { format: winston.format.simple() }));
    logger.child({ component: 'billing' }).info(`charged with token=${token}`, { api_key: token });
    logger.configure({ format: winston.format.json(), transports: [capture(configured)] });
    logger.child({ component: 'billing' }).warn('retry', { nested: { authorization: `Bearer ${token}` } });
    expect([first.length, added.length, configured.length]).to.deep.equal([1, 1, 1]);
    expect([...first, ...added, ...configured].join('\n')).to.not.include(token);
    expect(added[0]).to.equal('info: charged with token=[REDACTED] {"api_key":"[REDACTED]","component":"billing"}');
    expect(JSON.parse(configured[0]!)).to.deep.include({
      component: 'billing',
      nested: { authorization: '[REDACTED]' },
    });
  });

  it('redacts what format.splat() interpolates or merges, after apitrailContext() too', () => {
    const lines: string[] = [];
    const format = winston.format.combine(apitrailContext(), winston.format.splat(), winston.format.json());
    const logger = winston.createLogger({ format, transports: [capture(lines)] });
    // Any random password, one without a digit too (about one in seventy): the scanner's window
    // after `password=` ends with a value as long as a token, so the place of `for %s` is no
    // secret's and 'alice' stays.
    const [password, token] = [secret(), secret()];
    logger.info('login password=%s for %s', password, 'alice', { session: token });
    logger.info('payload', { password });
    expect(lines.join('\n')).to.not.include(password).and.not.include(token);
    expect(JSON.parse(lines[0]!)).to.include({ message: 'login password=[REDACTED] for alice', session: '[REDACTED]' });
    expect(JSON.parse(lines[1]!)).to.include({ message: 'payload', password: '[REDACTED]' });
  });

  it('censors a splat argument by its place in the message, keeping the others in theirs', () => {
    const lines: string[] = [];
    const format = winston.format.combine(winston.format.splat(), winston.format.simple());
    const logger = instrumentLogger(winston.createLogger({ format, transports: [capture(lines)] }));
    const [token, password] = [secret(), secret()];
    logger.info('calling upstream with Bearer %s', token);
    logger.info('connecting to https://%s:%s@db.internal', 'admin', password);
    logger.info('%d%% done for %s, password: %s', 50, 'alice', password);
    expect(lines).to.deep.equal([
      'info: calling upstream with Bearer [REDACTED]',
      // The user of URL credentials goes with the password, as the redactor masks `admin:<password>@` in the message.
      'info: connecting to https://[REDACTED]:[REDACTED]@db.internal',
      'info: 50% done for alice, password: [REDACTED]',
    ]);
  });

  it('censors a splat argument whose context is prose or another argument (`token is %s`, `%s=%s`)', () => {
    const lines: string[] = [];
    const format = winston.format.combine(winston.format.splat(), winston.format.simple());
    const logger = instrumentLogger(winston.createLogger({ format, transports: [capture(lines)] }));
    const [token, password] = [secret(), secret()];
    logger.info('the api token is %s', token);
    logger.info('%s=%s', 'password', password);
    logger.info('%s %s', 'Bearer', token);
    logger.info('header %s: %s', 'authorization', token);
    // Control: an argument in a neutral place stays.
    logger.info('user %s logged in from %s', 'alice', '203.0.113.7');
    expect(lines).to.deep.equal([
      'info: the api token is [REDACTED]',
      'info: password=[REDACTED]',
      'info: Bearer [REDACTED]',
      'info: header authorization: [REDACTED]',
      'info: user alice logged in from 203.0.113.7',
    ]);
  });

  it('writes a placeholder, never the app’s text, for a record it cannot read', () => {
    const lines: string[] = [];
    const logger = instrumentLogger(winston.createLogger({ transports: [capture(lines)] }));
    const token = secret();
    const unreadable = new Proxy(
      { message: `token=${token}` },
      {
        ownKeys: () => {
          throw new Error('no keys');
        },
      },
    );
    expect(() => logger.info(unreadable)).to.not.throw();
    expect(JSON.parse(lines[0]!)).to.include({ level: 'info', message: '[unserialisable log record]' });
    expect(lines.join('\n')).to.not.include(token);
  });

  it('leaves local lines as they were with localRedaction: false (exported copies are still redacted)', () => {
    const lines: string[] = [];
    const logger = instrumentLogger(winston.createLogger({ transports: [capture(lines)] }), {
      localRedaction: false,
    });
    const password = secret();
    logger.info('login', { password });
    expect(JSON.parse(lines[0]!)).to.include({ password });
  });

  it('leaves to a format what it adds after redaction: redacted there with the same rules, its line is clean', () => {
    // A format reading the request's headers from outside the record (as from an AsyncLocalStorage)
    // adds them after the write wrapper redacted the record (packages/winston/README.md).
    const headers = { authorization: `Bearer ${secret()}`, accept: 'application/json' };
    const { redactor } = createRedaction(readRedactionConfig({}));
    const lineWith = (addHeaders: winston.Logform.TransformFunction): Record<string, unknown> => {
      const lines: string[] = [];
      const format = winston.format.combine(winston.format(addHeaders)(), winston.format.json());
      instrumentLogger(winston.createLogger({ format, transports: [capture(lines)] })).info('order created');
      return JSON.parse(lines[0]!) as Record<string, unknown>;
    };
    // Control: added as they are, the headers reach the app's own line whole.
    expect(lineWith((info) => ({ ...info, headers })).headers).to.deep.equal(headers);
    const redacted = lineWith((info) => ({ ...info, headers: redactor.redactValue(headers) }));
    expect(redacted.headers).to.deep.equal({ authorization: '[REDACTED]', accept: 'application/json' });
  });

  it('refuses APITRAIL_REDACT_LOCAL_LOGS=maybe, naming the variable', () => {
    process.env.APITRAIL_REDACT_LOCAL_LOGS = 'maybe';
    try {
      expect(() => instrumentLogger(winston.createLogger()))
        .to.throw(ApitrailConfigError)
        .with.property('setting', 'APITRAIL_REDACT_LOCAL_LOGS');
    } finally {
      delete process.env.APITRAIL_REDACT_LOCAL_LOGS;
    }
  });
});
