export const manifestPath: string;
export function cacheRoot(): string;
export function distDir(): Promise<string>;
export function collectorBinary(): Promise<string | undefined>;
export function buildCollector(): Promise<string>;
