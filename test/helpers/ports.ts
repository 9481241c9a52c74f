export { freePort } from '../../scripts/lib/collector-pipeline.mjs';
