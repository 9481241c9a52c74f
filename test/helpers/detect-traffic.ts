// Replays scripted requests against a running app, a few at a time.
import type { ScriptedRequest } from './detect-scenarios.ts';

function headers(request: ScriptedRequest): Record<string, string> {
  const result: Record<string, string> = { 'x-test-ip': request.sourceIp };
  if (request.apiKeyId !== undefined) result['x-test-key'] = request.apiKeyId;
  if (request.apiKeyFingerprint !== undefined) result['x-test-key-fingerprint'] = request.apiKeyFingerprint;
  if (request.apiKeyStatus !== undefined) result['x-test-key-status'] = request.apiKeyStatus;
  if (request.tenant !== undefined) result['x-test-tenant'] = request.tenant;
  if (request.claimedTenant !== undefined) result['x-test-claimed-tenant'] = request.claimedTenant;
  return result;
}

/** Sends every request (status from the path, see test/fixtures/detect-app.cjs) and checks each answer. */
export async function replay(baseUrl: string, requests: readonly ScriptedRequest[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const request = requests[next++]!;
      const response = await fetch(`${baseUrl}/status/${request.statusCode}${request.path}`, {
        headers: headers(request),
      });
      await response.arrayBuffer();
      if (response.status !== request.statusCode)
        throw new Error(`expected ${request.statusCode}, got ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
