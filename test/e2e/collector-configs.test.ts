// Every collector configuration in collector-config/ must pass the built distribution's `validate`,
// in the combinations users run it. A file's header documents those combinations as command lines
// (`#   otelcol-apitrail --config gateway.yaml --config siem-splunk.yaml`); each one is validated as
// written. A file with a `service:` section and no such line is a standalone config.
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

const text = (file: string): string => readFileSync(join(collectorConfigDir, file), 'utf8');
const USAGE = /^#\s+otelcol-apitrail((?:\s+--config\s+\S+)+)\s*$/gm;

/** The `--config` combinations a file's header documents. */
function documentedUsages(file: string): string[][] {
  return [...text(file).matchAll(USAGE)].map((match) =>
    match[1]!
      .trim()
      .split(/\s+/)
      .filter((word) => word !== '--config'),
  );
}

const combinations = new Map<string, string[]>();
for (const file of configs) {
  const usages = documentedUsages(file);
  if (usages.length === 0 && /^service:/m.test(text(file))) usages.push([file]);
  for (const usage of usages) combinations.set(usage.join(' + '), usage);
}

describe('collector-config: every YAML validates with the built collector', function () {
  let binary: string;
  before(async function () {
    binary = await requireCollector(this);
  });

  it('has configs to validate', () => {
    expect(configs).to.include.members(['local-file.yaml', 'agent.yaml', 'gateway.yaml']);
  });

  for (const file of configs) {
    it(`${file} is validated in at least one documented combination`, () => {
      const users = [...combinations.values()].filter((usage) => usage.includes(file));
      expect(users.length, `no header command line or service section covers ${file}`).to.be.above(0);
    });
  }

  for (const [name, files] of combinations) {
    it(`${name} is valid`, () => {
      for (const file of files) expect(configs, `${name} names a missing file`).to.include(file);
      const args = ['validate', ...files.flatMap((file) => ['--config', join(collectorConfigDir, file)])];
      const result = spawnSync(binary, args, {
        env: { ...process.env, ...validationEnv },
        encoding: 'utf8',
      });
      expect(result.status, `${result.stdout}\n${result.stderr}`).to.equal(0);
    });
  }
});
