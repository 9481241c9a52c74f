// Reading a record's canonical entry, log id and sequence number straight from the text of its
// NDJSON line (packages/integrity/README.md, "The canonical entry"), with the line's field names
// given rather than imported: `apitrail verify`'s worker threads read lines with it and load no
// OpenTelemetry module (each worker is a fresh isolate, and those modules were a tenth of a run).
// line-entry.ts builds the reader the sealer and the verifier use from @apitrail/core's names.

/** The names a line's text is read by: the NDJSON line's own fields and the integrity attributes. */
export interface LineFieldNames {
  /** The first unsigned field: the canonical entry ends where it starts. */
  readonly logger: string;
  /** The unsigned field that may follow the logger, last. */
  readonly traceFlags: string;
  readonly logId: string;
  readonly sequence: string;
  /** The fields the line holds in seconds and the entry in integer nanoseconds. */
  readonly seconds: readonly string[];
}

/** A leaf of a line of apitrail's NDJSON file, read without parsing it: see `LineTextReader.lineLeaf`. */
export interface LineLeaf {
  readonly entry: string;
  readonly logId: string;
  readonly sequence: number;
}

export interface LineTextReader {
  /**
   * The canonical entry, log id and sequence number of an NDJSON line as apitrail writes it, taken
   * from its text: the line up to `,"logger":` is the entry but for the duration's unit (see
   * `toNdjsonObject`), when what follows is the plain unsigned fields and nothing else. Undefined
   * for any other line (a checkpoint, one without integrity fields, one in another form), which
   * must be parsed. A record carrying a sequence number is a leaf, whatever its event
   * (`prepareRecord` reads it so too).
   *
   * Nothing here checks that the line is valid JSON, nor that the log id and sequence number found
   * are at its top level: the entry is accepted only when its hash is the leaf a signed checkpoint
   * commits to. Then it is the signed entry byte for byte (SHA-256), a valid JSON object in
   * canonical form; the line is that object with its duration in seconds, whose member was found at
   * the top level (`entryOfOrderedText`), and the unsigned members checked here appended, so it
   * holds exactly the signed fields; and the signed entry at a position holds that position's log id
   * and sequence number. A line whose entry does not match is a finding, and `apitrail verify` then
   * verifies every record again by parsing (`verify.ts`), so this path never decides a finding.
   */
  lineLeaf(line: string): LineLeaf | undefined;
  /**
   * The canonical entry of a JSON object text up to `end` (where its unsigned members start, or its
   * closing brace), whose members are in canonical order and serialised as JSON.stringify writes
   * them, with its field in seconds still in seconds: that converted to integer nanoseconds.
   * Undefined when the field is there but not found at the top level with a number: the caller then
   * parses.
   */
  entryOfOrderedText(text: string, end: number): string | undefined;
}

/** The text of a JSON string token after its opening quote, escapes included (unrolled: fast). */
const STRING_REST = String.raw`[^"\\]*(?:\\.[^"\\]*)*"`;
/** A JSON number token, exactly as the grammar has it, so that `Number` reads it as JSON.parse does. */
const NUMBER_TOKEN = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
/** A JSON string with nothing escaped (no backslash, no control character), the whole text: an ordinary logger name. */
// eslint-disable-next-line no-control-regex -- the control characters are what it refuses
const PLAIN_JSON_STRING = /^"[^"\\\u0000-\u001f]*"$/;
/** A JSON number as JSON.stringify writes trace flags (no leading zero: `007` is no JSON). */
const TRACE_FLAGS = /^(?:0|[1-9]\d{0,2})$/;

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Members of a JSON object text, up to the one named `name` (excluded): each with a string,
 * number, boolean or null value, so the text they span holds no nested value, and `name`'s member
 * after them is at the same level.
 */
function membersBefore(name: string): string {
  return String.raw`(?:"(?!${literal(JSON.stringify(name).slice(1))})${STRING_REST}:(?:"${STRING_REST}|[-+.\deE]+|true|false|null),)*`;
}

/** Whether a `{` (but the opening brace) or a `[` comes before `at` in `text`, even in a string. */
function nestingBefore(text: string, at: number): boolean {
  const object = text.indexOf('{', 1);
  const array = text.indexOf('[');
  return (object >= 0 && object < at) || (array >= 0 && array < at);
}

export function lineTextReader(names: LineFieldNames): LineTextReader {
  /**
   * Each field in seconds, with expressions finding its member and number: anywhere, and (sticky,
   * from the start of a member at the top level of a JSON object text) at that level. In canonical
   * order the members before `duration` are the API key's, the integrity fields and a few more,
   * all with such values in an audit record.
   */
  const secondsMembers = names.seconds.map((name) => ({
    member: `${JSON.stringify(name)}:`,
    /** Its first member with a number, wherever it is. */
    anywhere: new RegExp(`${literal(JSON.stringify(name))}:(${NUMBER_TOKEN})[,}]`),
    atTopLevel: new RegExp(`${membersBefore(name)}${literal(JSON.stringify(name))}:(${NUMBER_TOKEN})[,}]`, 'y'),
  }));
  const loggerMember = `,${JSON.stringify(names.logger)}:"`;
  const traceFlagsMember = `,${JSON.stringify(names.traceFlags)}:`;
  /**
   * The log id and sequence number members, next to each other as in canonical order (no other key
   * sorts between them): one expression finds both. Where in the line does not matter (see `lineLeaf`).
   */
  const leafPosition = new RegExp(
    String.raw`${literal(JSON.stringify(names.logId))}:"([^"\\]+)",${literal(JSON.stringify(names.sequence))}:(0|[1-9]\d{0,15})[,}]`,
  );

  function entryOfOrderedText(text: string, end: number): string | undefined {
    // One field in seconds (`duration`): a second would be converted the same way, in one more pass.
    if (secondsMembers.length !== 1) return undefined;
    const { member, anywhere, atTopLevel } = secondsMembers[0]!;
    const found = anywhere.exec(text);
    let seconds: string | undefined;
    let start: number;
    if (found !== null && found.index < end && !nestingBefore(text, found.index)) {
      // With nothing nested before it, the member is at the top level.
      seconds = found[1]!;
      start = found.index + member.length;
    } else if (found === null && !text.includes(member)) {
      return `${text.slice(0, end)}}`;
    } else {
      atTopLevel.lastIndex = 1;
      seconds = atTopLevel.exec(text)?.[1];
      start = atTopLevel.lastIndex - 1 - (seconds?.length ?? 0);
    }
    if (seconds === undefined || start + seconds.length > end) return undefined;
    const nanoseconds = JSON.stringify(Math.trunc(Number(seconds) * 1e9));
    return `${text.slice(0, start)}${nanoseconds}${text.slice(start + seconds.length, end)}}`;
  }

  function lineLeaf(line: string): LineLeaf | undefined {
    const tailStart = line.lastIndexOf(loggerMember);
    if (tailStart < 0 || line.charCodeAt(line.length - 1) !== 0x7d) return undefined;
    const tail = line.slice(tailStart + loggerMember.length - 1, line.length - 1);
    const loggerEnd = tail.indexOf('"', 1) + 1;
    if (loggerEnd === 0 || !PLAIN_JSON_STRING.test(tail.slice(0, loggerEnd))) return undefined;
    if (loggerEnd < tail.length) {
      if (!tail.startsWith(traceFlagsMember, loggerEnd)) return undefined;
      if (!TRACE_FLAGS.test(tail.slice(loggerEnd + traceFlagsMember.length))) return undefined;
    }
    const position = leafPosition.exec(line);
    if (position === null || position.index > tailStart) return undefined;
    const sequence = Number(position[2]);
    const entry = Number.isSafeInteger(sequence) ? entryOfOrderedText(line, tailStart) : undefined;
    return entry === undefined ? undefined : { entry, logId: position[1]!, sequence };
  }

  return { lineLeaf, entryOfOrderedText };
}
