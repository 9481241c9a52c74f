export const generatedDir: string;
export function renderGeneratedQueries(): Promise<Record<string, string>>;
export function writeGeneratedQueries(): Promise<string[]>;
