// Every collector configuration in collector-config/ must pass the built distribution's `validate`.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

/** A fragment (no `service:` section) is validated together with the configs that load it. */
const isFragment = (file: string): boolean => !/^service:/m.test(readFileSync(join(collectorConfigDir, file), 'utf8'));
const FRAGMENT_USES: Record<string, RegExp> = { 'redaction.yaml': /\bredaction\/apitrail\b/ };

function configFiles(config: string): string[] {
  const text = readFileSync(join(collectorConfigDir, config), 'utf8');
  const fragments = Object.entries(FRAGMENT_USES)
    .filter(([fragment, use]) => fragment !== config && use.test(text))
    .map(([fragment]) => fragment);
  return [config, ...fragments];
}

describe('collector-config: every YAML validates with the built collector', function () {
  let binary: string;
  before(async function () {
    binary = await requireCollector(this);
  });

  it('has configs to validate', () => {
    expect(configs).to.include('local-file.yaml');
  });

  for (const fragment of configs.filter(isFragment)) {
    it(`fragment ${fragment} is loaded by at least one pipeline config`, () => {
      const users = configs.filter((config) => !isFragment(config) && configFiles(config).includes(fragment));
      expect(users.length, `no config uses ${fragment}`).to.be.above(0);
    });
  }

  for (const config of configs.filter((file) => !isFragment(file))) {
    const files = configFiles(config);
    it(`${files.join(' + ')} is valid`, () => {
      const args = ['validate', ...files.flatMap((file) => ['--config', join(collectorConfigDir, file)])];
      const result = spawnSync(binary, args, {
        env: { ...process.env, ...validationEnv },
        encoding: 'utf8',
      });
      expect(result.status, `${result.stdout}\n${result.stderr}`).to.equal(0);
    });
  }
});
