// An app under the register that prints its audit records and security events as NDJSON on stdout,
// and the lines it printed for one request, told apart by the request's X-Request-ID.
import { startApp, type RunningApp } from './app.ts';
import { waitFor } from './wait.ts';

const AUDIT_EVENT = 'apitrail.api_request';

/** Starts `script` under the register, its logs as NDJSON on stdout and no traces; `env` over that. */
export function startNdjsonApp(script: string, env: Record<string, string | undefined> = {}): Promise<RunningApp> {
  return startApp({ script, env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'ndjson', ...env } });
}

/** The audit records `app` printed for the request `requestId` (one, unless it was recorded twice). */
export function auditRecords(app: RunningApp, requestId: string): Record<string, unknown>[] {
  return app.jsonLines().filter((line) => line.event === AUDIT_EVENT && line.request_id === requestId);
}

/** The other events (security events, blocks) `app` printed for the request `requestId`. */
export function otherEvents(app: RunningApp, requestId: string): Record<string, unknown>[] {
  return app.jsonLines().filter((line) => line.event !== AUDIT_EVENT && line.request_id === requestId);
}

/** Waits until `app` has printed an audit record of each of `requestIds`; a timeout names those missing. */
export async function waitForAuditRecords(app: RunningApp, requestIds: readonly string[]): Promise<void> {
  const missing = () => requestIds.filter((id) => auditRecords(app, id).length === 0);
  await waitFor('an audit record of each request', () => (missing().length === 0 ? true : undefined)).catch(
    (error: Error) => {
      throw new Error(`${error.message}: missing ${missing().join(', ')}`);
    },
  );
}
