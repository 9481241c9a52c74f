export { main, EXIT } from './main.js';
export { analyzeFiles, type AnalyzeReport } from './analyze.js';
export { verifyFiles, type VerifyOutcome } from './verify.js';
export { readRecords, type SourceRecord, type RecordSink } from './records.js';
export { inputLines, openInput, CorruptEntry, type InputLine } from './input-formats.js';
