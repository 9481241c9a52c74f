// The start of most end-to-end tests: a real collector writing what it receives to files
// (local-file.yaml), and an app exporting its traces and logs to it over OTLP.
import { startApp, type RunningApp, type StartAppOptions } from './app.ts';
import { exportingTo, requireCollector, startCollector, type RunningCollector } from './collector.ts';

export interface AppBehindCollectorOptions extends Partial<StartAppOptions> {
  /** `OTEL_SERVICE_NAME` of the app. */
  serviceName: string;
  /** `OTEL_LOGS_EXPORTER`: `otlp` unless given (`otlp,ndjson` also prints the audit records). */
  logsExporters?: string;
}

/**
 * Starts the collector, then the app (the node:http example with the register unless `script` and
 * `loader` say otherwise) with `env` over the exporting environment. When the app fails to start,
 * the collector is stopped before the error is thrown.
 */
export async function startAppBehindCollector(
  context: Mocha.Context,
  { serviceName, logsExporters, script = 'examples/node-http/server.js', loader, env }: AppBehindCollectorOptions,
): Promise<{ collector: RunningCollector; app: RunningApp }> {
  const collector = await startCollector(await requireCollector(context), 'local-file.yaml');
  try {
    const app = await startApp({
      script,
      loader,
      env: { OTEL_SERVICE_NAME: serviceName, ...exportingTo(collector, logsExporters), ...env },
    });
    return { collector, app };
  } catch (error) {
    await collector.stop();
    throw error;
  }
}
