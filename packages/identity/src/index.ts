export { decideCorrelationId, uuidv7, DEFAULT_CORRELATION_HEADERS, type CorrelationDecision } from './correlation.js';
export {
  createRequestContextFactory,
  type IdentityOptions,
  type RequestContextFactory,
} from './request-context-factory.js';
