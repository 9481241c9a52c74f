// Summarises a V8 .cpuprofile as self time per package, so a hot path can be named by who owns it.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `packages/<name>/` → `apitrail/<name>`, `node_modules/<pkg>` → `<pkg>`, else node core or the V8 pseudo-frame. */
export function ownerOf(url: string, functionName: string): string {
  const workspace = /\/packages\/([^/]+)\//.exec(url);
  if (workspace !== null) return `@apitrail/${workspace[1]}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency !== null) return dependency[1]!;
  if (url.startsWith('node:')) return 'node core';
  if (url === '')
    return functionName.startsWith('RegExp:') ? '(regular expressions)' : `(${functionName.replace(/[()]/g, '')})`;
  return 'application';
}

/** Self time per owner in microseconds, largest first. */
export function selfTimeByOwner(profile: CpuProfile): [string, number][] {
  const owners = new Map<number, string>();
  for (const node of profile.nodes) owners.set(node.id, ownerOf(node.callFrame.url, node.callFrame.functionName));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const owner = owners.get(id) ?? '(unknown)';
    totals.set(owner, (totals.get(owner) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** The functions with the most self time, as `owner function`, largest first. */
export function hottestFunctions(profile: CpuProfile, count: number): [string, number][] {
  const names = new Map<number, string>();
  for (const { id, callFrame } of profile.nodes) {
    const file = callFrame.url.split('/').at(-1) ?? '';
    names.set(
      id,
      `${ownerOf(callFrame.url, callFrame.functionName)} ${callFrame.functionName || '(anonymous)'} ${file}`.trim(),
    );
  }
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const name = names.get(id) ?? '(unknown)';
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, count);
}

/**
 * The component of the request path a frame's time belongs to, for the attribution table: each
 * apitrail package; the OTel SDK by what it does (the SDK's packages nest inside sdk-node, so the
 * innermost package and the file decide); OTLP serialisation and sending; node core with the
 * system calls V8 shows as pseudo-frames (sockets, files); GC; and idle time, which is no one's.
 */
export function componentOf(url: string, functionName: string): string {
  const owner = ownerOf(url, functionName);
  if (owner.startsWith('@apitrail/')) return `apitrail ${owner.slice('@apitrail/'.length)}`;
  if (owner === '(idle)') return '(idle)';
  if (owner === '(garbage collector)') return 'garbage collection';
  const innermost = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1];
  const file = url.split('/').at(-1) ?? '';
  if (innermost !== undefined && innermost.startsWith('@opentelemetry/')) {
    if (/otlp-transformer|otlp-exporter-base|exporter-/.test(innermost)) return 'OTLP export (serialisation, HTTP)';
    if (innermost === '@opentelemetry/instrumentation-http') return 'OTel instrumentation-http';
    if (/^attributes\./.test(file)) return 'OTel attribute checks';
    if (/context-async-hooks|AsyncLocalStorageContextManager/.test(`${innermost}/${file}`)) return 'OTel context';
    if (innermost === '@opentelemetry/api') return 'OTel context';
    if (innermost === '@opentelemetry/sdk-logs' || /LogRecord|Logger/.test(file)) return 'OTel logs SDK';
    if (innermost === '@opentelemetry/sdk-trace' || /Span|Tracer|Sampler/.test(file)) return 'OTel tracing SDK';
    return 'OTel SDK, other';
  }
  if (owner === '(regular expressions)') return 'regular expressions (redaction)';
  if (owner === 'node core') return 'node core and system calls (sockets, files)';
  if (url === '') {
    // V8's pseudo-frames: native work (a system call, an encoder) by name, or V8's own.
    return /^\((program|parse|compile)/.test(functionName) || !/[a-z]/i.test(functionName)
      ? 'V8 (compile, other)'
      : 'node core and system calls (sockets, files)';
  }
  return owner;
}

/** Self time per component (see componentOf) in microseconds, largest first. */
export function selfTimeByComponent(profile: CpuProfile): [string, number][] {
  const components = new Map<number, string>();
  for (const { id, callFrame } of profile.nodes) components.set(id, componentOf(callFrame.url, callFrame.functionName));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const component = components.get(id) ?? '(unknown)';
    totals.set(component, (totals.get(component) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}
