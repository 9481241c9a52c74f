// The public API of @apitrail/cli: the `apitrail` command as functions (listed in its README).
export { main, EXIT } from './main.js';
export { analyzeFiles, type AnalyzeReport } from './analyze.js';
export { verifyFiles, type VerifyOutcome, type VerifyOptions } from './verify.js';
