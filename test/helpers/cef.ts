// A strict parser for ArcSight Common Event Format messages, written from the CEF specification
// (Micro Focus "Implementing ArcSight CEF", rev. 25): `CEF:Version|Device Vendor|Device Product|
// Device Version|Signature ID|Name|Severity|Extension`. Header fields escape `\` and `|` with a
// backslash; extension values escape `\`, `=`, and encode line breaks as `\n` / `\r`. Any other
// escape, or a stray backslash, is an error here, so a wrongly escaped message fails the test. So is
// a header field longer than the specification's maximum, counted in characters as sent (escapes
// included, the strictest reading).

export interface CefMessage {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extensions: Record<string, string>;
}

function unescape(text: string, escapes: Record<string, string>, where: string): string {
  return text.replace(/\\([\s\S]?)/g, (_whole, next: string) => {
    const replacement = escapes[next];
    if (replacement === undefined) throw new Error(`invalid CEF escape "\\${next}" in ${where}: ${text}`);
    return replacement;
  });
}

const HEADER_ESCAPES: Record<string, string> = { '\\': '\\', '|': '|' };

/** Maximum lengths of the header fields after `CEF:Version`, in the specification's order. */
export const CEF_HEADER_LIMITS = {
  vendor: 63,
  product: 63,
  deviceVersion: 31,
  signatureId: 1023,
  name: 512,
} as const;
const EXTENSION_ESCAPES: Record<string, string> = { '\\': '\\', '=': '=', n: '\n', r: '\r' };

/** Indexes of `char` in `text` that are not escaped by a backslash. */
function unescapedIndexes(text: string, char: string): number[] {
  const found: number[] = [];
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === char) found.push(index);
  }
  return found;
}

function parseExtensions(extension: string): Record<string, string> {
  const equals = unescapedIndexes(extension, '=');
  const keyStarts = equals.map((equal) => extension.lastIndexOf(' ', equal) + 1);
  const extensions: Record<string, string> = {};
  equals.forEach((equal, index) => {
    const key = extension.slice(keyStarts[index], equal);
    if (!/^[A-Za-z0-9_.]+$/.test(key)) throw new Error(`invalid CEF extension key "${key}" in: ${extension}`);
    if (key in extensions) throw new Error(`duplicate CEF extension key "${key}" in: ${extension}`);
    const next = keyStarts[index + 1];
    const end = next === undefined ? extension.length : next - 1;
    extensions[key] = unescape(extension.slice(equal + 1, end), EXTENSION_ESCAPES, `extension ${key}`);
  });
  return extensions;
}

export function parseCef(message: string): CefMessage {
  if (!message.startsWith('CEF:')) throw new Error(`not a CEF message: ${message}`);
  const pipes = unescapedIndexes(message, '|').slice(0, 7);
  if (pipes.length < 7) throw new Error(`CEF header needs 7 unescaped "|" separators: ${message}`);
  const fields = [-1, ...pipes].map((start, index) =>
    message.slice(start + 1, index < pipes.length ? pipes[index] : undefined),
  );
  Object.values(CEF_HEADER_LIMITS).forEach((limit, index) => {
    const length = [...fields[index + 1]!].length;
    if (length > limit) throw new Error(`CEF header field ${index + 1} has ${length} characters, over ${limit}`);
  });
  const [version, vendor, product, deviceVersion, signatureId, name, severity, extension] = fields.map(
    (field, index) => (index < 7 ? unescape(field, HEADER_ESCAPES, `header field ${index}`) : field),
  ) as [string, string, string, string, string, string, string, string];
  return {
    version: version.slice('CEF:'.length),
    vendor,
    product,
    deviceVersion,
    signatureId,
    name,
    severity,
    extensions: parseExtensions(extension),
  };
}
