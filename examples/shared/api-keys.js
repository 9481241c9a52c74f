// The example apps' own API key check, standing in for whatever auth an app already has: a JSON
// file of { id, name, tenant_id, sha256 } entries (the format of APITRAIL_API_KEYS_FILE), named by
// EXAMPLE_API_KEYS_FILE. apitrail is told the outcome through setIdentity().
'use strict';
const { createHash, timingSafeEqual } = require('node:crypto');
const { readFileSync } = require('node:fs');

function loadKeys(path) {
  if (!path) return [];
  return JSON.parse(readFileSync(path, 'utf8')).map((entry) => ({
    ...entry,
    digest: Buffer.from(entry.sha256, 'hex'),
  }));
}

const keys = loadKeys(process.env.EXAMPLE_API_KEYS_FILE);

/** The key presented in `X-API-Key` or `Authorization: Bearer`, if any. */
function presentedKey(headers) {
  const bearer = /^Bearer (\S+)$/i.exec(headers.authorization ?? '');
  return headers['x-api-key'] ?? bearer?.[1];
}

/** The registered key matching `presented` (constant-time digest compare), or undefined. */
function verifyKey(presented) {
  if (!presented) return undefined;
  const digest = createHash('sha256').update(presented).digest();
  return keys.find((entry) => timingSafeEqual(entry.digest, digest));
}

module.exports = { presentedKey, verifyKey };
