/**
 * A configuration value apitrail cannot use. The message names the variable or option, so the
 * operator knows what to fix; instrumentation refuses to start rather than run half-configured.
 */
export class ApitrailConfigError extends Error {
  override readonly name = 'ApitrailConfigError';
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}
