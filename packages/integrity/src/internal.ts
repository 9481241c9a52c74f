// Every name the package's modules export, for apitrail's own packages and tests. Not a public API:
// no semver promise; users import from '@apitrail/integrity' (src/index.ts).
export { readIntegrityConfig, readSignerKeyFile, readVerifierKeyFile, type IntegrityConfig } from './config.js';
export { canonicalEntry, canonicalJson } from './canonical.js';
export { LINE_FIELD_NAMES, lineLeaf, recordEntry } from './line-entry.js';
export { type LineLeaf } from './line-text.js';
export { MerkleLog, logOrigin, type MerkleLogOptions } from './log.js';
export { IntegrityLogRecordProcessor, withIntegrity, type IntegrityProcessorOptions } from './processor.js';
export { CheckpointRecord } from './checkpoint-record.js';
export {
  LogVerifier,
  prepareRecord,
  type PreparedRecord,
  LeafStore,
  type ExportedRecord,
  type Finding,
  type FindingKind,
  type LogSummary,
  type VerifyReport,
} from './verifier.js';
export {
  CheckpointVerifier,
  EpochKeys,
  certifiedStartMs,
  isClosed,
  type VerifiedCheckpoint,
  type EpochCertificate,
} from './epochs.js';
export {
  leafHash,
  leafDigest,
  nodeHash,
  subtreeHash,
  perfectSubtreeDigest,
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
  leafArray,
  CompactTree,
  PrefixTree,
  KEPT_HEIGHT,
  BLOCK_HEIGHT,
  BLOCK_LEAVES,
  type LeafHashes,
} from './merkle.js';
export {
  Signer,
  Verifier,
  NoteError,
  SIGNATURE_TYPE,
  canonicalBase64,
  signNote,
  openNote,
  parseNote,
  cosignatureLine,
  signatureLine,
  verifyCosignature,
} from './note.js';
export { formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';
export {
  duplicateKey,
  proofBundle,
  verifyProofBundle,
  PROOF_BUNDLE_VERSION,
  type ProofBundle,
  type BundleCheck,
} from './proof-bundle.js';
export {
  Witness,
  WitnessState,
  forgottenArchive,
  parseAddCheckpoint,
  formatAddCheckpoint,
  type WitnessAnswer,
  type WitnessedLog,
  type ForgottenLogs,
  type AddCheckpoint,
} from './witness.js';
