export { readIntegrityConfig, readKeyFile, integrityKey, MIN_KEY_BYTES, type IntegrityConfig } from './config.js';
export { canonicalJson, RecordMac } from './canonical.js';
export { ChainSigner } from './chain-signer.js';
export { IntegrityLogRecordProcessor, withIntegrity, type IntegrityProcessorOptions } from './processor.js';
export {
  ChainVerifier,
  type ExportedRecord,
  type Finding,
  type FindingKind,
  type ChainSummary,
  type VerifyReport,
} from './verifier.js';
