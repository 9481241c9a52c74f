// A minimal Elasticsearch bulk endpoint (scripts/lib/siem-stand-ins.mjs, shared with
// `npm run demo -- --collector`): answers as Elasticsearch and records every `POST /_bulk`.
// Stands in where no Elasticsearch-compatible store can be had.
export {
  ecsField,
  startBulkEndpoint,
  type BulkRequest,
  type RunningBulkEndpoint,
} from '../../scripts/lib/siem-stand-ins.mjs';
