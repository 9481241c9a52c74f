// The demo's scripted traffic. Every key and secret is generated here from crypto.randomBytes at
// run time, so nothing secret-looking is ever committed, and every run's secrets are new.
import { randomBytes, randomInt } from 'node:crypto';
import { writeKeysFile } from './secret-search.mjs';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(length, alphabet) {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

const apiKeySecret = () => `sk_${randomBytes(24).toString('base64url')}`;

/** The registered keys: three well-behaved ones over two tenants, and one that leaked. */
function registeredKeys() {
  const key = (id, name, tenantId, ip) => ({ id, name, tenantId, ip, secret: apiKeySecret() });
  return {
    ci: key('key-ci', 'CI pipeline', 'acme', '198.51.100.10'),
    dashboard: key('key-dashboard', 'Dashboard', 'acme', '198.51.100.20'),
    billing: key('key-billing', 'Billing sync', 'globex', '198.51.100.30'),
    partner: key('key-partner', 'Partner export', 'globex', '198.51.100.40'),
    // Public addresses the embedded database places: a network in Great Britain, then one in Brazil.
    mobile: key('key-mobile', 'Mobile app', 'acme', '81.2.69.160'),
  };
}

/** What each step of the story is, and what to look for in the output. */
export const STEP_NOTES = {
  'well-behaved': 'three keys of two tenants (acme, globex): each audit record names key and tenant',
  'leaked key': 'key-partner from 8 addresses: alert when a key is seen from more than 5 IPs in 1 h',
  'country change':
    'key-mobile from Great Britain (AS20712), then from Brazil (AS7162) seconds later: new country, new AS, impossible travel',
  'brute force': '12 unknown keys from one address: authn_login_fail each, an alert after 10 in 5 min',
  'tenant spoofing': 'key-dashboard (acme) sends X-Tenant-ID: globex: authz_fail tenant_mismatch, alert after 3',
  'secret in query': 'access_token= and api_key= in the URL: masked in query_params',
  'secret in headers': 'a Bearer key, an AWS key id as X-Request-ID, a GitHub token in X-Upstream-Token',
  'secret in log messages': 'the winston example logs the Authorization header and an Error quoting it',
};

const LEAKED_KEY_IPS = Array.from({ length: 8 }, (_, index) => `203.0.113.${11 + index}`);
const BRUTE_FORCE_IP = '192.0.2.66';
const COUNTRY_CHANGE_IP = '200.147.67.142';
const BRUTE_FORCE_ATTEMPTS = 12;

/**
 * The scenario: keys, the secrets sent (which must appear nowhere in apitrail's output) and the
 * requests, in order. `app` names the example that receives a request.
 */
export function createScenario() {
  const keys = registeredKeys();
  const githubToken = `ghp_${randomText(36, ALNUM)}`;
  const awsKeyId = `AKIA${randomText(16, BASE32)}`;
  const winstonKey = `pk_demo.${randomBytes(16).toString('hex')}`;
  const bruteForceKeys = Array.from({ length: BRUTE_FORCE_ATTEMPTS }, apiKeySecret);

  const as = (key, headers = {}) => ({ 'x-api-key': key.secret, 'x-forwarded-for': key.ip, ...headers });
  const get = (step, path, headers) => ({ step, app: 'express', method: 'GET', path, headers });
  const steps = [
    ...[1, 2, 3, 4].map(() => get('well-behaved', '/api/v1/scans?provider=aws', as(keys.ci))),
    {
      step: 'well-behaved',
      app: 'express',
      method: 'POST',
      path: '/api/v1/scans',
      headers: { ...as(keys.ci), 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'gcp' }),
    },
    ...[1, 2, 3].map(() => get('well-behaved', '/api/v1/tenants/acme/scans', as(keys.dashboard))),
    ...[1, 2, 3].map(() => get('well-behaved', '/api/v1/scans', as(keys.billing))),
    ...LEAKED_KEY_IPS.map((ip) => get('leaked key', '/api/v1/scans', as(keys.partner, { 'x-forwarded-for': ip }))),
    ...[1, 2, 3].map(() => get('country change', '/api/v1/tenants/acme/scans', as(keys.mobile))),
    get('country change', '/api/v1/tenants/acme/scans', as(keys.mobile, { 'x-forwarded-for': COUNTRY_CHANGE_IP })),
    ...bruteForceKeys.map((secret) =>
      get('brute force', '/api/v1/scans', { 'x-api-key': secret, 'x-forwarded-for': BRUTE_FORCE_IP }),
    ),
    get('tenant spoofing', '/api/v1/scans', as(keys.dashboard, { 'x-tenant-id': 'globex' })),
    ...[1, 2, 3].map(() =>
      get('tenant spoofing', '/api/v1/tenants/globex/scans', as(keys.dashboard, { 'x-tenant-id': 'globex' })),
    ),
    get('secret in query', `/api/v1/scans?provider=aws&access_token=${githubToken}`, as(keys.ci)),
    get('secret in query', `/api/v1/scans?api_key=${encodeURIComponent(keys.billing.secret)}`, as(keys.billing)),
    get('secret in headers', '/api/v1/scans', {
      authorization: `Bearer ${keys.billing.secret}`,
      'x-forwarded-for': keys.billing.ip,
      'x-request-id': awsKeyId,
      'x-upstream-token': githubToken,
    }),
    ...[1, 2].map(() => ({
      step: 'secret in log messages',
      app: 'winston',
      method: 'GET',
      path: '/api/v1/scans?provider=azure',
      headers: { authorization: `Bearer ${winstonKey}` },
    })),
  ];
  const secrets = [
    ...Object.values(keys).map((key) => ({ what: `API key of ${key.id}`, value: key.secret })),
    ...bruteForceKeys.map((value, index) => ({ what: `brute-force guess ${index + 1}`, value })),
    { what: 'GitHub token (query string, header)', value: githubToken },
    { what: 'AWS access key id (X-Request-ID header)', value: awsKeyId },
    { what: 'API key of the winston example (log messages)', value: winstonKey },
  ];
  return {
    keys,
    keysFile: writeKeysFile(Object.values(keys)),
    winstonKey,
    secrets,
    steps,
    leakedKeyIps: LEAKED_KEY_IPS,
    bruteForceIp: BRUTE_FORCE_IP,
  };
}

/** Sends the steps one after the other (the order is the story), returning each response status. */
export async function drive(steps, baseUrls) {
  const statuses = [];
  for (const step of steps) {
    const response = await fetch(`${baseUrls[step.app]}${step.path}`, {
      method: step.method,
      headers: { 'user-agent': 'apitrail-demo/1.0', ...step.headers },
      ...(step.body === undefined ? {} : { body: step.body }),
    });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}
