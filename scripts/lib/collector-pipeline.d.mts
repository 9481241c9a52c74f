import type { ChildProcess } from 'node:child_process';

export const collectorConfigDir: string;
export function freePort(): Promise<number>;

export interface CollectorProcess {
  readonly process: ChildProcess;
  /** What the collector printed (its own logs), for failure messages. */
  diagnostics(): string;
  /** Sends `signal` (SIGTERM: graceful, SIGKILL: a crash) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnCollector(
  binary: string,
  configFiles: readonly string[],
  env: Record<string, string>,
  healthPort: number,
): Promise<CollectorProcess>;

export interface Tier {
  readonly otlpHttpEndpoint: string;
  /** The collector's own metrics, Prometheus text format. */
  readonly metricsUrl: string;
  /** Starts the collector again with the same ports, configuration and directories. */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  diagnostics(): string;
}

export interface GatewayTier extends Tier {
  /** OTLP/gRPC, what the loadbalancing exporter speaks. */
  readonly otlpGrpcHostPort: string;
  readonly archiveDir: string;
}

export function archiveText(dir: string, name: string): Promise<string>;
export function startGateway(
  binary: string,
  siemFiles?: readonly string[],
  env?: Record<string, string>,
): Promise<GatewayTier>;
export function startAgent(binary: string, gateways: GatewayTier | readonly GatewayTier[]): Promise<Tier>;
