// Where the collector distribution lives and how it is built. Shared by the build script and the
// test helpers, so both agree on the cache key.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const manifestPath = join(repoRoot, 'collector-config', 'builder-config.yaml');

async function manifestHash() {
  const manifest = await readFile(manifestPath);
  return createHash('sha256').update(manifest).digest('hex').slice(0, 16);
}

function builderVersion(manifest) {
  const match = /go\.opentelemetry\.io\/collector\/receiver\/otlpreceiver (v[0-9.]+)/.exec(manifest);
  if (!match) throw new Error(`${manifestPath}: cannot find the otlpreceiver version to pick the builder version`);
  return match[1];
}

export function cacheRoot() {
  return (
    process.env.APITRAIL_COLLECTOR_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'apitrail', 'collector')
  );
}

export async function distDir() {
  return join(cacheRoot(), await manifestHash());
}

/** The cached binary's path, or undefined when it has not been built for this manifest yet. */
export async function collectorBinary() {
  const binary = join(await distDir(), 'otelcol-apitrail');
  try {
    await access(binary, constants.X_OK);
    return binary;
  } catch {
    return undefined;
  }
}

/** Runs a build step with its output on stderr; rejects naming the command when it fails. */
export function run(command, args, options) {
  return new Promise((resolvePromise, reject) => {
    process.stderr.write(`$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    child.on('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.on('exit', (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} exited with ${signal ?? code}`)),
    );
  });
}

// The checksum database behind this machine's module proxy has no entry for some contrib releases
// (a 404 on lookup), so those modules are fetched from the proxy without sumdb verification.
// Everything else is still verified.
const unverifiedModulePrefixes = ['github.com/open-telemetry/opentelemetry-collector-contrib'];

function goEnvironment() {
  const noSumDb = [process.env.GONOSUMDB, ...unverifiedModulePrefixes].filter(Boolean).join(',');
  return { ...process.env, GONOSUMDB: noSumDb, GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' ') };
}

export async function buildCollector() {
  const manifest = await readFile(manifestPath, 'utf8');
  const target = await distDir();
  const work = `${target}.work`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const gobin = join(cacheRoot(), 'bin', builderVersion(manifest));
  await run('go', ['install', `go.opentelemetry.io/collector/cmd/builder@${builderVersion(manifest)}`], {
    env: { ...process.env, GOBIN: gobin },
  });
  const workManifest = join(work, 'builder-config.yaml');
  await writeFile(workManifest, manifest.replace(/output_path: .*/, `output_path: ${join(work, 'src')}`));
  // --skip-get-modules: `go mod tidy` would also fetch the test-only dependencies of every
  // component, some of which the module proxy here does not serve; `go build -mod=mod` resolves
  // exactly what the binary links.
  await run(join(gobin, 'builder'), ['--config', workManifest, '--skip-get-modules'], {
    cwd: work,
    env: goEnvironment(),
  });
  await mkdir(target, { recursive: true });
  await rename(join(work, 'src', 'otelcol-apitrail'), join(target, 'otelcol-apitrail'));
  await rm(work, { recursive: true, force: true });
  return join(target, 'otelcol-apitrail');
}
