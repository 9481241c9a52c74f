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
