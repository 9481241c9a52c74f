// The Sigma rules in rules/ are the fleet-wide twins of the in-process rules: same names, ids,
// thresholds and windows as RULES and DETECT_DEFAULTS. This keeps them from drifting apart.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETECT_DEFAULTS, RULES } from '@apitrail/detect';
import { repoRoot } from '../helpers/app.ts';

interface SigmaDocument {
  readonly file: string;
  readonly name: string;
  readonly id: string;
  readonly text: string;
}

const rulesDir = join(repoRoot, 'rules');

function documents(): SigmaDocument[] {
  return readdirSync(rulesDir)
    .filter((file) => file.endsWith('.yml'))
    .flatMap((file) =>
      readFileSync(join(rulesDir, file), 'utf8')
        .split(/^---$/m)
        .map((text) => ({
          file,
          text,
          name: /^name: (\S+)$/m.exec(text)?.[1] ?? '',
          id: /^id: (\S+)$/m.exec(text)?.[1] ?? '',
        })),
    );
}

/** `1h` / `5m` as seconds. */
function seconds(timespan: string): number {
  const [, value, unit] = /^(\d+)([smhd])$/.exec(timespan)!;
  return Number(value) * { s: 1, m: 60, h: 3600, d: 86400 }[unit as 's' | 'm' | 'h' | 'd'];
}

function correlation(document: SigmaDocument): { timespan: number; gt: number; groupBy: string[]; field?: string } {
  const groupBy = /group-by:\n((?: {4}- \S+\n)+)/.exec(document.text)![1]!.match(/\S+$/gm)!;
  return {
    timespan: seconds(/^ {2}timespan: (\S+)$/m.exec(document.text)![1]!),
    gt: Number(/^ {4}gt: (\d+)$/m.exec(document.text)![1]),
    groupBy,
    ...(/^ {4}field: (\S+)$/m.test(document.text) ? { field: /^ {4}field: (\S+)$/m.exec(document.text)![1]! } : {}),
  };
}

describe('Sigma rules (rules/)', () => {
  const all = documents();
  const byName = new Map(all.map((document) => [document.name, document]));

  it('every document has a unique name and a unique v4 UUID, and every referenced base rule exists', () => {
    expect(new Set(all.map((d) => d.name)).size).to.equal(all.length);
    expect(new Set(all.map((d) => d.id)).size).to.equal(all.length);
    for (const document of all) {
      expect(document.id, document.file).to.match(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      for (const [, referenced] of document.text.matchAll(/^ {4}- (apitrail_\S+)$/gm)) {
        expect(byName.has(referenced!), `${document.name} → ${referenced}`).to.equal(true);
      }
    }
  });

  it('each in-process rule has a correlation rule with its name, UUID, default threshold and window', () => {
    const expectations = [
      {
        rule: RULES.keyMultipleSourceIps,
        gt: DETECT_DEFAULTS.maxSourceIpsPerKey,
        window: DETECT_DEFAULTS.windowSeconds,
        field: 'source_ip',
        groupBy: ['api_key_id'],
      },
      {
        rule: RULES.keyExcessVolume,
        gt: DETECT_DEFAULTS.maxRequestsPerKey,
        window: DETECT_DEFAULTS.windowSeconds,
        groupBy: ['api_key_id'],
      },
      {
        rule: RULES.authFailureBurst,
        gt: DETECT_DEFAULTS.maxAuthFailures,
        window: DETECT_DEFAULTS.burstWindowSeconds,
        groupBy: ['api_key_id'],
      },
      {
        rule: RULES.notFoundScan,
        gt: DETECT_DEFAULTS.maxNotFound,
        window: DETECT_DEFAULTS.burstWindowSeconds,
        groupBy: ['source_ip'],
      },
      {
        rule: RULES.tenantMismatchStreak,
        gt: DETECT_DEFAULTS.maxTenantMismatches,
        window: DETECT_DEFAULTS.burstWindowSeconds,
        groupBy: ['api_key_id'],
      },
    ];
    for (const { rule, gt, window, field, groupBy } of expectations) {
      const document = byName.get(rule.name);
      expect(document, rule.name).to.not.equal(undefined);
      expect(document!.id).to.equal(rule.uuid);
      expect(correlation(document!)).to.deep.equal({
        timespan: window,
        gt,
        groupBy,
        ...(field === undefined ? {} : { field }),
      });
    }
    expect(correlation(byName.get('apitrail_auth_failure_burst_by_source_ip')!)).to.include({
      gt: DETECT_DEFAULTS.maxAuthFailures,
    });
  });
});
