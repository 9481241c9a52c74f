export const rulesDir: string;
export const ecsPipelineFile: string;
export interface ConvertedRule {
  readonly kind: 'base' | 'correlation';
  readonly name: string;
  readonly id: string;
  readonly title: string;
  readonly level: string | null;
  readonly file: string | null;
  /** Base rules: the OpenSearch Lucene query, or why the backend refused the rule. */
  readonly query?: string;
  readonly unsupported?: string;
  /** Correlation rules. */
  readonly type?: string;
  readonly rules?: string[];
  readonly groupBy?: string[];
  readonly timespanSeconds?: number;
  readonly condition?: { op: string; count: number; field: string | null };
}
export interface RuleResult {
  readonly rule: ConvertedRule;
  /** Matching documents (base rule) or groups it fires for (correlation); undefined when unsupported. */
  readonly hits: number | undefined;
  readonly groups?: string[];
  readonly unsupported?: string;
}
export function ensureSigmaOpenSearch(): Promise<string>;
export function convertRulesForOpenSearch(dir?: string, pipelineFile?: string): Promise<ConvertedRule[]>;
export function runRulesInOpenSearch(
  url: string,
  index: string,
  rules: readonly ConvertedRule[],
): Promise<RuleResult[]>;
