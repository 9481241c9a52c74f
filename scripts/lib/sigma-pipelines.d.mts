export interface SigmaTarget {
  readonly key: 'ndjson' | 'ecs' | 'splunkHec';
  readonly file: string;
  readonly name: string;
  readonly conditions: Record<string, string>;
  readonly index?: string;
}
export const sigmaPipelinesDir: string;
export const TARGETS: readonly SigmaTarget[];
export function fieldMapping(core: unknown, target: SigmaTarget): Record<string, string>;
export function pipeline(core: unknown, target: SigmaTarget): Record<string, unknown>;
export function renderPipeline(core: unknown, target: SigmaTarget): Promise<string>;
export function loadCore(): unknown;
export function writePipelines(core?: unknown): Promise<string[]>;
