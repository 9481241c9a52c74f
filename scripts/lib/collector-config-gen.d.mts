export const collectorConfigDir: string;
export const GENERATED_FILES: string[];
export function securityEventCondition(core: unknown): string;
export function ecsStatements(core: unknown): string[];
export function generatedBlocks(core: unknown): Record<string, string[]>;
export function renderGenerated(text: string, blocks: Record<string, string[]>): string;
export function loadCore(): unknown;
export function writeGenerated(core?: unknown): Promise<string[]>;
