// The part of fast-redact's API the redaction comparison uses (the package ships no types).
declare module 'fast-redact' {
  interface Options {
    paths: string[];
    censor?: unknown;
    serialize?: false | ((value: unknown) => string);
  }
  function fastRedact(options: Options): (object: object) => unknown;
  export default fastRedact;
}
