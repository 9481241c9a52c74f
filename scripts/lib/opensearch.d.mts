export const launcherProject: string;
export const DEFAULT_HEAP: string;
export function cacheRoot(): string;
export function openSearchDist(): Promise<string | undefined>;
export function buildOpenSearch(): Promise<string>;
export function ensureOpenSearch(): Promise<string>;
export function openSearchGet(
  url: string,
  path: string,
): Promise<{ status: number; body: string; headers: Headers } | undefined>;
export function residentBytes(pid: number): Promise<number | undefined>;
export interface RunningOpenSearch {
  readonly url: string;
  readonly port: number;
  readonly home: string;
  readonly pid: number;
  /** Seconds from spawning the JVM to a yellow cluster. */
  readonly startSeconds: number;
  residentBytes(): Promise<number | undefined>;
  stop(): Promise<void>;
}
export function startOpenSearch(options: {
  port: number;
  homeDir?: string;
  heap?: string;
  detached?: boolean;
}): Promise<RunningOpenSearch>;
export function stopOpenSearch(pid: number, home: string): Promise<void>;
export function exportDocuments(
  url: string,
  index: string,
  write: (document: Record<string, unknown>) => void,
): Promise<number>;
