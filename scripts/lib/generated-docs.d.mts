export const repoRoot: string;
export const GENERATED_DOCS: Record<string, Record<string, () => string>>;
export function mappingTable(): string;
export function configurationTable(): string;
export function renderDoc(path: string, text: string): Promise<string>;
