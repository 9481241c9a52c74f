// Every collector configuration in collector-config/ must pass the built distribution's `validate`.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { collectorConfigDir, requireCollector } from '../helpers/collector.ts';

const configs = readdirSync(collectorConfigDir, { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.yaml') && file !== 'builder-config.yaml');

/** Placeholder values for the secrets and endpoints configs read from the environment. */
const validationEnv: Record<string, string> = {
  SPLUNK_HEC_TOKEN: 'validation-placeholder',
  ELASTICSEARCH_USERNAME: 'validation-placeholder',
  ELASTICSEARCH_PASSWORD: 'validation-placeholder',
};

describe('collector-config: every YAML validates with the built collector', function () {
  let binary: string;
  before(async function () {
    binary = await requireCollector(this);
  });

  it('has configs to validate', () => {
    expect(configs).to.include('local-file.yaml');
  });

  for (const config of configs) {
    it(`${config} is valid`, () => {
      const result = spawnSync(binary, ['validate', '--config', join(collectorConfigDir, config)], {
        env: { ...process.env, ...validationEnv },
        encoding: 'utf8',
      });
      expect(result.status, `${result.stdout}\n${result.stderr}`).to.equal(0);
    });
  }
});
