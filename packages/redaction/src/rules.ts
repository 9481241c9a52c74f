import * as semconv from '@apitrail/core/internal';
import { CREDENTIAL_FORMATS, type CredentialFormat } from './catalogue.js';
import { luhnValid } from './luhn.js';

/**
 * A secret recognised by what it looks like. `source` must compile both in V8 and in Go's RE2
 * (the Collector's copy of the rules): bounded quantifiers only, no lookaround, no backreferences.
 * With capture groups, group 1 is kept and group 2 is the secret (text after group 2 is kept
 * too); without, the whole match is the secret.
 */
export interface ValuePattern {
  readonly name: string;
  readonly source: string;
  readonly caseInsensitive?: boolean;
  /**
   * Cheap regex (literals, as case-sensitive as the pattern) that occurs in every match. Strings in
   * which no pattern's trigger occurs skip the patterns entirely: clean strings pay one scan.
   */
  readonly trigger: string;
  /** A check RE2 cannot express (Luhn); the Collector's copy masks without it. */
  readonly confirm?: (secret: string) => boolean;
}

/** Everything that decides what is secret. Defined once; the Collector config is generated from it. */
export interface RedactionRules {
  /** Key globs (`*` wildcard, case-insensitive): the whole value under such a key is secret. */
  readonly keys: readonly string[];
  readonly patterns: readonly ValuePattern[];
  /** Credential formats found by the one-pass scanner (`catalogue.ts`). */
  readonly formats?: readonly CredentialFormat[];
  /** Key globs exempt from the key rules (values are still scanned for secret formats). */
  readonly allow: readonly string[];
}

/**
 * Sensitive key names: the union of the anchors (Elastic APM's sanitizeFieldNames, Sentry's
 * scrubber, dd-trace's query regex, the Collector examples) and the semconv query keys whose
 * values `url.query` SHOULD redact.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  '*password*',
  '*passwd*',
  '*passphrase*',
  'pwd',
  'pw',
  'pass',
  // The short names as the last word of a longer one (`db_pwd`, `MYSQL_PWD`, `DB_PASS`, `smtp-pass`,
  // `basic_auth`, `--db-pw`): spelled inside a word they are other words (`bypass`, `compass`,
  // `author`), so only after `_` or `-`. A word that ends so and holds no secret (`first_pass`,
  // `require_auth`) loses its value: a flag or a count, less than a password going out.
  '*_pwd',
  '*-pwd',
  '*_pw',
  '*-pw',
  '*_pass',
  '*-pass',
  '*_auth',
  '*-auth',
  '*secret*',
  '*token*',
  '*api*key*',
  '*apikey*',
  '*access*key*',
  '*private*key*',
  '*privatekey*',
  'authorization',
  'proxy-authorization',
  'x-auth*',
  'auth',
  'bearer',
  'cookie',
  'set-cookie',
  '*session*',
  'connect.sid',
  '*credential*',
  '*credit*card*',
  'card_number',
  'cvv',
  'jwt',
  'otp',
  // Query keys named by the OTel URL semantic conventions.
  'sig',
  'signature',
  'awsaccesskeyid',
  'x-amz-*',
  'x-goog-signature',
  'x-goog-credential',
];

const coreAttributeNames: readonly string[] = Object.entries(semconv)
  .filter(([name, value]) => name.startsWith('ATTR_') && typeof value === 'string')
  .map(([, value]) => value as string);

/**
 * Attributes that merely look sensitive: apitrail's identity attributes (as `FIELD_MAPPINGS` and
 * the rest of the semconv module name them), the redaction summary, and semconv keys whose name
 * contains a sensitive word.
 */
export const DEFAULT_ALLOWED_KEYS: readonly string[] = [
  ...new Set([
    ...coreAttributeNames.filter((name) =>
      semconv.IDENTITY_ATTRIBUTE_NAMESPACES.some((prefix) => name.startsWith(prefix)),
    ),
    ...coreAttributeNames.filter((name) => name.startsWith('redaction.')),
    // Chain ids, key ids and MACs: a collector that masked them would break every signature.
    ...coreAttributeNames.filter((name) => name.startsWith(semconv.INTEGRITY_ATTRIBUTE_NAMESPACE)),
    'messaging.kafka.message.key',
    'messaging.rabbitmq.destination.routing_key',
  ]),
].sort();

/** The first four digits of a card number, by issuer (see the card_number pattern). */
const CARD_ISSUER_PREFIX =
  '(?:2[2-7][0-9]{2}|3(?:0[0-59][0-9]|[46-9][0-9]{2}|5(?:2[89]|[3-8][0-9]))|4[0-9]{3}|5(?:[1-5][0-9]{2}|0(?:18|20|38)|893)|6(?:011|[25][0-9]{2}|4[4-9][0-9]|304|7(?:59|6[1-3])))';

/**
 * The generic shapes no literal prefix pins down, as regexes (the credential formats with a prefix
 * or keyword are data in `catalogue.ts`, found by the one-pass scanner). Upper bounds keep every
 * pattern's work per start position bounded; starts are pinned to literals or word boundaries.
 */
export const DEFAULT_PATTERNS: readonly ValuePattern[] = [
  {
    name: 'pem_private_key',
    // PEM and OpenPGP armor: the armor headers (a legacy encrypted key's Proc-Type/DEK-Info, PGP's
    // Version/Comment; a header needs its `:`, which the body cannot have, so nothing backtracks),
    // then the base64 body up to and including the END line, greedy with nothing after it;
    // backslashes for JSON-escaped line breaks. A key cut short loses its whole remaining body.
    source:
      '-----BEGIN[A-Z0-9 +]{0,40}PRIVATE[ +]KEY(?:[ +]BLOCK)?-----\\s{0,4}(?:[A-Za-z-]{1,32}:[^\\n]{0,128}\\s{1,4}){0,6}[A-Za-z0-9+/=\\s\\\\]{0,16384}(?:-----END[A-Z0-9 +]{0,40}PRIVATE[ +]KEY(?:[ +]BLOCK)?-----)?',
    trigger: 'PRIVATE[ +]KEY',
  },
  {
    name: 'jwt',
    // Starts only after a character that cannot be part of a JWT (group 1, kept), so a run of
    // "-eyJ-eyJ…" is tried once, not at every "eyJ".
    // The signature is optional: a JWT cut short by a length limit still leaks its claims.
    source: '(^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{2,2048}\\.eyJ[A-Za-z0-9_-]{2,8192}(?:\\.[A-Za-z0-9_-]{0,1024})?)',
    trigger: 'eyJ',
  },
  {
    name: 'authorization_value',
    // The scheme in its usual spellings (a case-insensitive trigger would slow every clean string
    // down); `+` is a space in query strings (form encoding).
    // `ApiKey` / `Api-Key` only capitalised, as schemes are written: lower-case "apikey" is prose.
    source:
      '(\\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN|A(?:pi|PI)-?K(?:ey|EY))[\\s+]{1,3})([A-Za-z0-9._~+/-]{8,4096}={0,2})',
    trigger: '[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN|A(?:pi|PI)-?K(?:ey|EY)',
    // A lower-case word after the scheme is prose (`Bearer authentication failed`), not a credential.
    confirm: (credential) => !/^[a-z]+$/.test(credential),
  },
  {
    name: 'url_userinfo',
    // From the `://` on, not from the scheme: a start at every word to find a scheme costs more
    // than the rest of a URL's scan, and `user:pass@` right after `://` is telling enough.
    source: '(://)([^\\s/?#@:]{0,256}:[^\\s/?#@]{1,256})@',
    trigger: '://',
  },
  {
    name: 'card_number',
    // The first four digits of every major issuer's range (most order numbers and ids fall outside
    // them: the Collector's copy masks by this prefix alone), then 13-19 digits in all; Luhn confirms.
    // 2: Mastercard 2221-2720 and Mir. 3: Diners 300-305, 3095, 36, 38-39; JCB 3528-3589; Amex 34, 37.
    // 4: Visa. 5: Mastercard 51-55; Maestro 5018, 5020, 5038, 5893. 6: Discover 6011, 644-649, 65;
    // UnionPay 62; Maestro 6304, 6759, 6761-6763.
    // Written as digits only, in groups of four (19 digits: a last group of 3, with or without its
    // separator), or 4-6-5 (Amex) and 4-6-4 (Diners); separators a space (`+` form-encoded) or a
    // dash: a UUID's groups never fit.
    source: `\\b${CARD_ISSUER_PREFIX}(?:[0-9]{9,15}|(?:[ +-][0-9]{4}){3}(?:[ +-]?[0-9]{1,3})?|[ +-][0-9]{6}[ +-][0-9]{4,5})\\b`,
    // Every form has 10 digits within its first 12 characters, whatever its separators.
    trigger: '\\b[2-6][0-9]{3}[ +-]?[0-9]{4}[ +-]?[0-9]{2}',
    confirm: luhnValid,
  },
];

/** Opt-in personal data (PII mode): e-mail addresses are censored, IP addresses anonymised. */
export const EMAIL_PATTERN: ValuePattern = {
  name: 'email',
  source:
    '(^|[^A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){0,8}\\.[A-Za-z]{2,24})\\b',
  trigger: '@',
};

export const DEFAULT_RULES: RedactionRules = {
  keys: DEFAULT_SENSITIVE_KEYS,
  patterns: DEFAULT_PATTERNS,
  formats: CREDENTIAL_FORMATS,
  allow: DEFAULT_ALLOWED_KEYS,
};
