// What every winston example does inside a request: the app's own API key check and its own log
// lines. The only apitrail call is `setIdentity`, the app telling apitrail who is calling.
'use strict';
const { setIdentity } = require('@apitrail/identity');

// One demo key, given as `DEMO_API_KEY=<key>` (a Prowler-style `pk_<prefix>.<secret>`).
const demoKey = process.env.DEMO_API_KEY;

/** Checks the `Authorization: Bearer <key>` header; returns whether the caller may proceed. */
function authenticate(logger, authorization) {
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (presented === undefined || presented !== demoKey) {
    // A careless line, on purpose: the key is in the message and in the metadata.
    logger.warn(`rejected credentials ${authorization}`, { headers: { authorization } });
    return false;
  }
  setIdentity({ apiKeyId: 'key-demo-1', apiKeyName: 'Demo Scanner', tenantId: 'tenant-demo-1' });
  return true;
}

/** The handler body: a few log lines of the kinds real apps write, secrets included. */
function listScans(logger, authorization, provider) {
  logger.info('listing scans', { provider, request: { headers: { authorization } } });
  logger.error('upstream failed', { err: new Error(`upstream refused ${authorization}`) });
  return { scans: [], provider };
}

/** `{"listening":port}` on stdout, as the test helpers expect. */
function announce(server) {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : 0 })}\n`);
}

module.exports = { authenticate, listScans, announce };
