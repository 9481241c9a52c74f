// A real OpenSearch node for the SIEM end-to-end tests (scripts/lib/opensearch.mjs): one per test
// file, on a free loopback port, its data in a temporary directory, apitrail's index template
// installed before the first document.
import { startOpenSearch, type RunningOpenSearch } from '../../scripts/lib/opensearch.mjs';
import { putIndexTemplate } from '../../scripts/lib/siem-index-template.mjs';
import * as core from '@apitrail/core/internal';
import { freePort } from './ports.ts';

export { ecsField } from '../../scripts/lib/ecs-document.mjs';

export interface TestOpenSearch extends RunningOpenSearch {
  /** Documents in `index` (matching `query`, a search body) after a refresh. */
  count(index: string, query?: object): Promise<number>;
  /** The documents of `index` (their _source) matching `query` (a search body), oldest first. */
  documents(index: string, query?: object): Promise<Record<string, unknown>[]>;
}

async function request(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

export async function startTestOpenSearch(): Promise<TestOpenSearch> {
  const node = await startOpenSearch({ port: await freePort() });
  try {
    await putIndexTemplate(node.url, core);
  } catch (error) {
    await node.stop();
    throw error;
  }
  return {
    ...node,
    async count(index, query = { query: { match_all: {} } }) {
      await request(`${node.url}/${index}/_refresh`, 'POST');
      return ((await request(`${node.url}/${index}/_count`, 'POST', query)) as { count: number }).count;
    },
    async documents(index, query = { query: { match_all: {} } }) {
      await request(`${node.url}/${index}/_refresh`, 'POST');
      const result = (await request(`${node.url}/${index}/_search`, 'POST', {
        ...query,
        size: 10_000,
        sort: [{ '@timestamp': 'asc' }],
      })) as { hits: { hits: { _source: Record<string, unknown> }[] } };
      return result.hits.hits.map((hit) => hit._source);
    },
  };
}
