import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '@apitrail/cli';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { repoRoot } from '../helpers/app.ts';
import { leakedKey, normalTraffic, randomKeyId, testIp, type ScriptedRequest } from '../helpers/detect-scenarios.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';

const START_MS = Date.UTC(2026, 0, 15, 9, 0, 0);

/** A Prowler-style NDJSON line (the seed format: no event field, zone-less timestamp). */
function seedLine(request: ScriptedRequest): string {
  const time = new Date(START_MS + request.offsetSeconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace('Z', '')
    .replace('.', ',');
  return JSON.stringify({
    timestamp: time,
    level: 'INFO',
    message: `API Request: GET ${request.path}`,
    logger: 'api',
    api_key_id: request.apiKeyId,
    method: 'GET',
    path: request.path,
    status_code: request.statusCode,
    duration: 0.01,
    source_ip: request.sourceIp,
  });
}

async function tempFile(name: string, text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'apitrail-cli-')), name);
  await writeFile(file, text);
  return file;
}

function capture(): { out: PassThrough & { text(): string }; err: PassThrough & { text(): string } } {
  const make = () => {
    const stream = new PassThrough() as PassThrough & { text(): string };
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.text = () => text;
    return stream;
  };
  return { out: make(), err: make() };
}

describe('apitrail analyze', () => {
  it('counts distinct IPs per key, not requests per key-IP pair (the seed jq pipeline’s mistake)', async () => {
    const busyFromOneIp = randomKeyId();
    const leaked = randomKeyId();
    const requests: ScriptedRequest[] = [
      ...Array.from({ length: 50 }, (_, n) => ({
        offsetSeconds: n,
        apiKeyId: busyFromOneIp,
        sourceIp: testIp(1),
        statusCode: 200,
        path: '/a',
      })),
      ...leakedKey(leaked, 6, 1),
    ];
    const file = await tempFile('seed.ndjson', requests.map(seedLine).join('\n'));
    const output = capture();
    expect(await main(['analyze', '--json', file], {}, output)).to.equal(1);
    const report = JSON.parse(output.out.text()) as {
      auditRecords: number;
      alerts: { event: string; attributes: Record<string, unknown> }[];
    };
    expect(report.auditRecords).to.equal(56);
    expect(report.alerts.map((alert) => [alert.event, alert.attributes['api_key.id']])).to.deep.equal([
      ['apitrail.key_multiple_source_ips', leaked],
    ]);
    expect(output.err.text()).to.equal('');
  });

  it('reports malformed lines with their line numbers and still processes the rest', async () => {
    const leaked = randomKeyId();
    const lines = leakedKey(leaked, 6, 1).map(seedLine);
    lines.splice(
      2,
      0,
      '{"timestamp": "2026-01-15T09:00:00Z", "api_key_id": ',
      'not json at all',
      '[1,2]',
      '{"no":"timestamp"}',
    );
    const file = await tempFile('broken.ndjson', lines.join('\n'));
    const output = capture();
    expect(await main(['analyze', '--json', file], {}, output)).to.equal(2);
    const errors = output.err
      .text()
      .split('\n')
      .filter((line) => line !== '');
    expect(errors.map((line) => line.slice(0, line.indexOf(': skipped')))).to.deep.equal(
      [3, 4, 5, 6].map((line) => `apitrail: ${file}:${line}`),
    );
    const report = JSON.parse(output.out.text()) as { malformedLines: number; alerts: unknown[] };
    expect(report.malformedLines).to.equal(4);
    expect(report.alerts).to.have.length(1);
  });

  it('names an unreadable file, carries on with the others, and exits 2', async () => {
    const good = await tempFile('good.ndjson', normalTraffic([randomKeyId()]).map(seedLine).join('\n'));
    const output = capture();
    expect(await main(['analyze', '/nonexistent/audit.ndjson', good], {}, output)).to.equal(2);
    expect(output.err.text()).to.match(/^apitrail: cannot read \/nonexistent\/audit\.ndjson: ENOENT/);
    expect(output.out.text()).to.match(/^20 records, 20 audit records, 1 keys, 2 source IPs; 0 alerts/);
  });

  it('prints a table whose cells cannot inject terminal escapes or forge lines', async () => {
    const hostile = 'evil\u001b[2J\nFAKE ALERT';
    const file = await tempFile('hostile.ndjson', leakedKey(hostile, 6, 1).map(seedLine).join('\n'));
    const output = capture();
    expect(await main(['analyze', file], {}, output)).to.equal(1);
    const text = output.out.text();
    expect(text).to.not.include('\u001b');
    expect(text.split('\n').some((line) => line.startsWith('FAKE ALERT'))).to.equal(false);
    expect(text).to.match(/^time\s+event\s+subject\s+id\s+count\s+window\s+sample ips\n/);
    expect(text).to.include('apitrail.key_multiple_source_ips  api_key');
  });

  it('reads stdin for -, through the real bin, with thresholds from APITRAIL_DETECT_*', async () => {
    const key = randomKeyId();
    const stdin = leakedKey(key, 3, 1).map(seedLine).join('\n');
    const quiet = await runApitrail(['analyze', '--json', '-'], { stdin });
    expect(quiet.code).to.equal(0);
    const strict = await runApitrail(['analyze', '--json', '-'], {
      stdin,
      env: { APITRAIL_DETECT_MAX_IPS_PER_KEY: '2' },
    });
    expect(strict.code).to.equal(1);
    expect(JSON.parse(strict.stdout).alerts).to.have.length(1);
    const bad = await runApitrail(['analyze', '-'], { stdin, env: { APITRAIL_DETECT_MAX_IPS_PER_KEY: 'many' } });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/^apitrail: APITRAIL_DETECT_MAX_IPS_PER_KEY: expected an integer/);
  });

  it('draws a progress bar on a terminal, and only there', async () => {
    const lines = normalTraffic(Array.from({ length: 500 }, randomKeyId)).map(seedLine);
    const file = await tempFile('large.ndjson', lines.join('\n'));
    const terminal = capture();
    Object.assign(terminal.err, { isTTY: true });
    expect(await main(['analyze', file], {}, terminal)).to.equal(0);
    expect(terminal.err.text()).to.match(/^\ranalyzing: #+\.*\s+\d+% of \d+\.\d MB/);
    expect(terminal.err.text().endsWith('\r\u001b[2K')).to.equal(true);
    const piped = capture();
    expect(await main(['analyze', file], {}, piped)).to.equal(0);
    expect(piped.err.text()).to.equal('');
  });

  it('rejects bad usage with exit code 2 and the usage text', async () => {
    for (const args of [[], ['frobnicate'], ['analyze'], ['analyze', '--bogus', 'x'], ['verify', 'x.jsonl']]) {
      const output = capture();
      expect(await main(args, {}, output), args.join(' ')).to.equal(2);
      expect(output.err.text() + output.out.text()).to.include('Usage:');
    }
  });

  it('answers `<command> --help` and `-h` with the usage on stdout and exit code 0', async () => {
    const commands = ['analyze', 'quarantine', 'verify', 'keygen', 'prove', 'verify-proof', 'witness', 'spool'];
    for (const args of [...commands.map((command) => [command, '--help']), ['verify', '--json', '-h']]) {
      const output = capture();
      expect(await main(args, {}, output), args.join(' ')).to.equal(0);
      expect(output.out.text(), args.join(' ')).to.match(/^Usage:\n/);
      expect(output.err.text(), args.join(' ')).to.equal('');
    }
    // After `--`, a `--help` is a file name, as parseArgs reads it.
    const output = capture();
    expect(await main(['analyze', '--', '--help'], {}, output)).to.equal(2);
    expect(output.err.text()).to.include('--help');
  });

  it('is on the PATH as `npx apitrail` from the repository root', async () => {
    const child = spawn('npx', ['--no-install', 'apitrail', 'help'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).to.equal(0);
    expect(stdout).to.match(/^Usage:\n {2}apitrail analyze/);
  });
});

describe('apitrail verify (argument and key handling)', () => {
  it('takes the public key from --public-key and names the option when the file is missing or not a key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'apitrail-key-'));
    const notAKey = join(dir, 'hmac.key');
    await writeFile(notAKey, `${randomBytes(32).toString('hex')}\n`);
    const empty = await tempFile('empty.jsonl', '');
    for (const [keyFile, message] of [
      ['/nonexistent/key', /--public-key: cannot read \/nonexistent\/key/],
      [notAKey, /--public-key: .* is not an apitrail public key/],
    ] as const) {
      const output = capture();
      expect(await main(['verify', '--public-key', keyFile, empty], {}, output)).to.equal(2);
      expect(output.err.text()).to.match(message);
      // The cause alone: the usage text is for usage errors (below).
      expect(output.err.text().split('\n').filter(Boolean)).to.have.length(1);
    }
    const missing = capture();
    expect(await main(['verify', empty], {}, missing)).to.equal(2);
    expect(missing.err.text()).to.match(/verify needs --public-key/);
    expect(missing.err.text()).to.include('Usage:');
    const output = capture();
    // The key is accepted; the empty file is then a finding, not a pass.
    expect(await main(['verify', '--public-key', rootKeyFiles().publicFile, empty], {}, output)).to.equal(1);
    expect(output.out.text()).to.include('no integrity records');
  });

  it('keygen writes the private key with mode 0600 and the public key, and never overwrites them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'apitrail-keygen-'));
    const output = capture();
    expect(await main(['keygen', '--out', dir], {}, output)).to.equal(0);
    expect((await stat(join(dir, 'apitrail-root.key'))).mode & 0o777).to.equal(0o600);
    expect(await readFile(join(dir, 'apitrail-root.key'), 'utf8')).to.match(
      /^PRIVATE\+KEY\+apitrail-root\+[0-9a-f]{8}\+/,
    );
    expect(await readFile(join(dir, 'apitrail-root.pub'), 'utf8')).to.match(/^apitrail-root\+[0-9a-f]{8}\+\S+\n$/);
    const again = capture();
    expect(await main(['keygen', '--out', dir], {}, again)).to.equal(2);
    expect(again.err.text()).to.match(/not overwritten/);
  });

  it('keygen: mode 0600 under umask 000, a missing --out made, an old public key not paired with a new private one', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'apitrail-keygen-'));
    const nested = join(parent, 'a', 'b');
    const umask = process.umask(0);
    try {
      expect(await main(['keygen', '--out', nested], {}, capture())).to.equal(0);
    } finally {
      process.umask(umask);
    }
    expect((await stat(join(nested, 'apitrail-root.key'))).mode & 0o777).to.equal(0o600);
    // Only the public key is left (the private one moved offline): refused, and no new private key stays behind.
    const lone = await mkdtemp(join(tmpdir(), 'apitrail-keygen-'));
    await writeFile(join(lone, 'apitrail-root.pub'), 'old public key\n');
    const refused = capture();
    expect(await main(['keygen', '--out', lone], {}, refused)).to.equal(2);
    expect(refused.err.text()).to.match(/already holds apitrail-root keys; not overwritten/);
    expect(await readdir(lone)).to.deep.equal(['apitrail-root.pub']);
    expect(await readFile(join(lone, 'apitrail-root.pub'), 'utf8')).to.equal('old public key\n');
    // --out names a file: said so in one line, not taken for existing keys.
    const file = join(lone, 'apitrail-root.pub');
    const notDir = capture();
    expect(await main(['keygen', '--out', file], {}, notDir)).to.equal(2);
    expect(notDir.err.text()).to.equal(`apitrail: --out: ${file} is not a directory\n`);
    // A key name signed-note does not allow: a usage error, and no directory made for it.
    for (const name of ['a b', 'a+b', '']) {
      const badName = capture();
      expect(await main(['keygen', '--out', join(parent, 'named'), '--name', name], {}, badName)).to.equal(2);
      expect(badName.err.text()).to.match(/^apitrail: --name: invalid key name/);
    }
    expect(await readdir(parent)).to.deep.equal(['a']);
  });
});
