// Tamper evidence through the production pipeline: an app under the register signs its records,
// the agent (agent.yaml + the generated redaction.yaml: defence-in-depth redaction, persistent
// queue) forwards them to the gateway (gateway.yaml), which archives them. `apitrail verify` must
// pass that archive as it is: a collector stage that rewrites signed records (a masked chain
// attribute, a summary attribute added to every record) would make every record look forged.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTR_INTEGRITY_LOG_ID } from '@apitrail/core/internal';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import {
  archivedThroughClosingCheckpoint,
  startGatewayAndAgent,
  startAppOnAgent,
  type Gateway,
  type Tier,
} from '../helpers/apitrail-pipeline.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { archiveText } from '../../scripts/lib/collector-pipeline.mjs';

describe('integrity through the agent and gateway pipelines', function () {
  this.timeout(120_000);
  let gateway: Gateway;
  let agent: Tier;
  const rootKey = rootKeyFiles();

  before(async function () {
    ({ gateway, agent } = await startGatewayAndAgent(this));
  });

  after(async () => {
    await agent?.stop();
    await gateway?.stop();
  });

  it('the gateway archive of signed records verifies clean, and an edit in it is caught', async () => {
    const app = await startAppOnAgent(agent, 'examples/node-http/server.js', rootKey.env);
    // Credentials and identity attributes on every record: what the agent's redaction looks at.
    const credential = `pk_e2e.${randomBytes(16).toString('hex')}`;
    for (let n = 0; n < 20; n++) {
      const response = await fetch(`${app.baseUrl}/api/v1/scans?page=${n}`, {
        headers: { authorization: `Bearer ${credential}`, 'x-request-id': `integrity-pipeline-${n}` },
      });
      await response.arrayBuffer();
    }
    await app.stop();
    const archived = await archivedThroughClosingCheckpoint(gateway);
    expect(String(archived[0]!.attributes[ATTR_INTEGRITY_LOG_ID])).to.match(/^[0-9a-f-]{36}$/);

    const dir = await mkdtemp(join(tmpdir(), 'apitrail-integrity-pipeline-'));
    const text = await archiveText(gateway.archiveDir, 'logs.otlp.jsonl');
    const archive = join(dir, 'archive.jsonl');
    await writeFile(archive, text);
    const clean = await runApitrail(['verify', '--json', '--public-key', rootKey.publicFile, archive]);
    expect(clean.stderr).to.equal('');
    expect(JSON.parse(clean.stdout).findings).to.deep.equal([]);
    expect(clean.code).to.equal(0);

    const edited = join(dir, 'edited.jsonl');
    await writeFile(edited, text.replace('"stringValue":"GET"', '"stringValue":"DELETE"'));
    const caught = await runApitrail(['verify', '--json', '--public-key', rootKey.publicFile, edited]);
    expect(caught.code).to.equal(1);
    expect(JSON.parse(caught.stdout).findings.map((finding: { kind: string }) => finding.kind)).to.include('modified');
  });
});
