// Reading ECS documents as the collector's elasticsearch exporter writes them (OpenSearch, the bulk stand-in).

/** An ECS field from an Elasticsearch document, whether the exporter nested it or kept it dotted. */
export function ecsField(document, path) {
  if (path in document) return document[path];
  const [head, ...rest] = path.split('.');
  for (let split = 1; split <= rest.length; split++) {
    const key = [head, ...rest.slice(0, split - 1)].join('.');
    const child = document[key];
    if (child !== null && typeof child === 'object') {
      const found = ecsField(child, rest.slice(split - 1).join('.'));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
