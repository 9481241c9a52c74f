// `npx apitrail analyze --by-key --json FILES…` over what a real app under the register wrote: a
// registered key used from three countries, an unregistered one from a private address. The real
// bin in a child process, on the app's own NDJSON file.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';

describe('apitrail analyze --by-key over a real app’s NDJSON file', function () {
  it('prints one object per key with its source IPs, ASNs and countries', async () => {
    const key = newKey('key-ci', 'CI pipeline', 'tenant-a');
    const unregistered = newSecret();
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-by-key-')), 'audit.ndjson');
    const app = await startApp({
      script: 'examples/node-http/server.js',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_NDJSON_FILE: file,
        APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
        APITRAIL_API_KEYS_FILE: writeKeysFile([key]),
      },
    });
    const calls: [string, string][] = [
      [key.secret, '8.8.8.8'],
      [key.secret, '8.8.8.8'],
      [key.secret, '81.2.69.160'],
      [key.secret, '1.1.1.1'],
      [unregistered, '10.1.2.3'],
    ];
    for (const [secret, address] of calls) {
      const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
        headers: { 'x-api-key': secret, 'x-forwarded-for': address },
      });
      await response.arrayBuffer();
    }
    await app.stop();
    const { code, stdout, stderr } = await runApitrail(['analyze', '--by-key', '--json', file]);
    // The key hopped from the US to Great Britain to Australia within a second: impossible travel.
    expect(code, stderr).to.equal(1);
    const rows = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).to.have.length(2);
    expect(rows[0]).to.deep.include({
      api_key_id: 'key-ci',
      api_key_name: 'CI pipeline',
      tenant_id: 'tenant-a',
      requests: 4,
      source_ips: ['8.8.8.8', '1.1.1.1', '81.2.69.160'],
      source_as_numbers: [15169, 13335, 20712],
      status_codes: { '200': 4 },
    });
    expect(rows[0]!.source_countries).to.include.members(['US', 'GB']);
    expect(rows[0]!.alerts).to.deep.equal({ apitrail_impossible_travel: 1 });
    expect(rows[1]).to.deep.include({ requests: 1, source_ips: ['10.1.2.3'], source_countries: [] });
    expect(rows[1]!.api_key_fingerprint).to.match(/^[0-9a-f]{24}$/);
    expect(stdout, 'no key ever reaches the report').to.not.include(key.secret);
    expect(stdout).to.not.include(unregistered);
  });
});
