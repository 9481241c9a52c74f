import { createPrivateKey, createPublicKey, hash, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

// C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and the timestamped Ed25519 witness
// cosignatures of c2sp.org/tlog-cosignature. Keys are text: a verifier key (vkey) is
// `<name>+<key id hex>+<base64(type ‖ public key)>`, a signer key the same prefixed `PRIVATE+KEY+`
// with the 32-byte Ed25519 seed in place of the public key.

/** Signature types (signed-note): 0x01 Ed25519 notes, 0x04 timestamped Ed25519 cosignatures. */
export const SIGNATURE_TYPE = { ed25519: 0x01, cosignature: 0x04 } as const;
type SignatureType = (typeof SIGNATURE_TYPE)[keyof typeof SIGNATURE_TYPE];

const SEED_BYTES = 32;
const KEY_ID_BYTES = 4;
const ED25519_SIGNATURE_BYTES = 64;
const TIMESTAMP_BYTES = 8;
const SIGNER_PREFIX = 'PRIVATE+KEY+';
/** RFC 8410 PKCS#8 wrapping of a raw Ed25519 seed, for node:crypto. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SIGNATURE_LINE_PREFIX = '\u2014 ';

export class NoteError extends Error {}

/**
 * The bytes of `text` if it is their one canonical base64 (RFC 4648 4, padded), else undefined.
 * Buffer.from skips characters outside the alphabet and stops at `=`, so any number of texts would
 * decode to the same bytes: each would be a distinct, valid-looking copy of one signed object.
 */
export function canonicalBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]. */
export function keyId(name: string, type: SignatureType, publicKey: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([Buffer.from(`${name}\n`), Buffer.of(type), publicKey]), 'buffer').subarray(
    0,
    KEY_ID_BYTES,
  );
}

function checkKeyName(name: string): void {
  if (name === '' || /[\s+\u2014]/u.test(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
}

/** `<name>+<id>+<key>`: names hold no `+`, the id is 8 hex digits, base64 keys may hold `+`. */
function splitKey(text: string): [string, string, string] | undefined {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first <= 0 || second < 0) return undefined;
  const id = text.slice(first + 1, second);
  if (!/^[0-9a-f]{8}$/.test(id)) return undefined;
  return [text.slice(0, first), id, text.slice(second + 1)];
}

/** An Ed25519 public key with its note name and key id. */
export class Verifier {
  readonly id: Buffer;
  private readonly key: KeyObject;

  constructor(
    readonly name: string,
    readonly type: SignatureType,
    readonly publicKey: Buffer,
  ) {
    checkKeyName(name);
    if (publicKey.length !== 32) throw new NoteError('an Ed25519 public key is 32 bytes');
    this.id = keyId(name, type, publicKey);
    this.key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
      format: 'jwk',
    });
  }

  /** `<name>+<id>+<base64(type ‖ key)>`. */
  get vkey(): string {
    return `${this.name}+${this.id.toString('hex')}+${Buffer.concat([Buffer.of(this.type), this.publicKey]).toString('base64')}`;
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    return signature.length === ED25519_SIGNATURE_BYTES && verify(null, message, this.key, signature);
  }

  static parse(vkey: string): Verifier {
    const parts = splitKey(vkey.trim());
    if (parts === undefined) throw new NoteError('a verifier key is <name>+<key id>+<base64 key>');
    const [name, id, encoded] = parts;
    const material = Buffer.from(encoded, 'base64');
    const type = material[0];
    if (type !== SIGNATURE_TYPE.ed25519 && type !== SIGNATURE_TYPE.cosignature) {
      throw new NoteError(`unsupported signature type ${type ?? 'none'} (Ed25519 notes and cosignatures only)`);
    }
    const verifier = new Verifier(name, type, material.subarray(1));
    if (verifier.id.toString('hex') !== id) throw new NoteError('the verifier key id does not match its key');
    return verifier;
  }
}

/**
 * An Ed25519 signing key. `erase()` zeroes its seed: node:crypto keeps no KeyObject between
 * signatures (one is made per signature from the seed), so nothing of the key stays reachable
 * afterwards for a later compromise to find.
 */
export class Signer {
  readonly verifier: Verifier;
  private readonly seed: Buffer;

  constructor(name: string, type: SignatureType, seed: Buffer) {
    if (seed.length !== SEED_BYTES) throw new NoteError('an Ed25519 seed is 32 bytes');
    this.seed = Buffer.from(seed);
    const publicKey = createPublicKey(this.privateKey()).export({ format: 'jwk' }).x!;
    this.verifier = new Verifier(name, type, Buffer.from(publicKey, 'base64url'));
  }

  get name(): string {
    return this.verifier.name;
  }

  get erased(): boolean {
    return this.seed.every((byte) => byte === 0);
  }

  sign(message: Uint8Array): Buffer {
    if (this.erased) throw new NoteError(`the key ${this.name} was erased`);
    return sign(null, message, this.privateKey());
  }

  erase(): void {
    this.seed.fill(0);
  }

  /** `PRIVATE+KEY+<name>+<id>+<base64(type ‖ seed)>`. */
  get skey(): string {
    const { name, id, type } = this.verifier;
    return `${SIGNER_PREFIX}${name}+${id.toString('hex')}+${Buffer.concat([Buffer.of(type), this.seed]).toString('base64')}`;
  }

  private privateKey(): KeyObject {
    return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, this.seed]), format: 'der', type: 'pkcs8' });
  }

  /** A new random key. */
  static generate(name: string, type: SignatureType = SIGNATURE_TYPE.ed25519): Signer {
    const seed = randomBytes(SEED_BYTES);
    const signer = new Signer(name, type, seed);
    seed.fill(0);
    return signer;
  }

  static parse(skey: string): Signer {
    const text = skey.trim();
    if (!text.startsWith(SIGNER_PREFIX)) throw new NoteError(`a signer key starts with ${SIGNER_PREFIX}`);
    const parts = splitKey(text.slice(SIGNER_PREFIX.length));
    if (parts === undefined) throw new NoteError('a signer key is PRIVATE+KEY+<name>+<key id>+<base64 key>');
    const [name, id, encoded] = parts;
    const material = Buffer.from(encoded, 'base64');
    const type = material[0];
    if (type !== SIGNATURE_TYPE.ed25519 && type !== SIGNATURE_TYPE.cosignature) {
      throw new NoteError(`unsupported signature type ${type ?? 'none'}`);
    }
    const signer = new Signer(name, type, material.subarray(1));
    material.fill(0);
    if (signer.verifier.id.toString('hex') !== id) throw new NoteError('the signer key id does not match its key');
    return signer;
  }
}

export interface NoteSignature {
  readonly name: string;
  readonly id: Buffer;
  /** Without the key id. */
  readonly signature: Buffer;
}

export interface Note {
  /** The signed text, ending in a newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

const MAX_NOTE_BYTES = 64 * 1024;
const MAX_SIGNATURES = 16;

export function parseNote(note: string): Note {
  if (Buffer.byteLength(note) > MAX_NOTE_BYTES) throw new NoteError('note too large');
  // eslint-disable-next-line no-control-regex -- the format forbids control characters but newline
  if (/[\u0000-\u0009\u000b-\u001f]/u.test(note)) throw new NoteError('note contains control characters');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('malformed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2).split('\n');
  if (lines.at(-1) !== '') throw new NoteError('malformed note: it does not end in a newline');
  lines.pop();
  if (lines.length === 0) throw new NoteError('unsigned note');
  if (lines.length > MAX_SIGNATURES) throw new NoteError('too many signatures');
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_LINE_PREFIX)) throw new NoteError('malformed signature line');
    const parts = line.slice(SIGNATURE_LINE_PREFIX.length).split(' ');
    if (parts.length !== 2) throw new NoteError('malformed signature line');
    const bytes = canonicalBase64(parts[1]!);
    if (bytes === undefined || bytes.length <= KEY_ID_BYTES) throw new NoteError('malformed signature');
    return { name: parts[0]!, id: bytes.subarray(0, KEY_ID_BYTES), signature: bytes.subarray(KEY_ID_BYTES) };
  });
  return { text, signatures };
}

/** The note line of a signature: `— <name> <base64(key id ‖ signature)>` and a newline. */
export function signatureLine({ name, id, signature }: NoteSignature): string {
  return `${SIGNATURE_LINE_PREFIX}${name} ${Buffer.concat([id, signature]).toString('base64')}\n`;
}

/** `text` (ending in a newline) signed by `signer` (an Ed25519 note key). */
export function signNote(text: string, signer: Signer): string {
  if (!text.endsWith('\n')) throw new NoteError('note text must end in a newline');
  return `${text}\n${signatureLine({ name: signer.name, id: signer.verifier.id, signature: signer.sign(Buffer.from(text)) })}`;
}

/**
 * The note's signature lines by `verifier`'s key (name and id), at least one. Each of them is then
 * checked: signed-note says a note with a failing signature from a known key should be rejected
 * whole, and checking only the first would let a bad line pass behind a good one.
 */
function signaturesBy(note: Note, verifier: Verifier, what: string): NoteSignature[] {
  const entries = note.signatures.filter((entry) => entry.name === verifier.name && entry.id.equals(verifier.id));
  if (entries.length === 0) throw new NoteError(`not ${what} by ${verifier.name}`);
  return entries;
}

/** The note's text when `verifier` signed it; throws NoteError otherwise. */
export function openNote(note: string | Note, verifier: Verifier): string {
  const parsed = typeof note === 'string' ? parseNote(note) : note;
  for (const entry of signaturesBy(parsed, verifier, 'signed')) {
    if (!verifier.verify(Buffer.from(parsed.text), entry.signature)) {
      throw new NoteError(`the signature of ${verifier.name} does not verify`);
    }
  }
  return parsed.text;
}

function cosignedMessage(text: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${text}`);
}

/** A cosignature line over checkpoint `text` at `timestamp` (POSIX seconds), by a cosignature key. */
export function cosignatureLine(text: string, signer: Signer, timestamp: number): string {
  const stamp = Buffer.alloc(TIMESTAMP_BYTES);
  stamp.writeBigUInt64BE(BigInt(timestamp));
  return signatureLine({
    name: signer.name,
    id: signer.verifier.id,
    signature: Buffer.concat([stamp, signer.sign(cosignedMessage(text, timestamp))]),
  });
}

/** The cosignature's timestamp when `verifier` (a cosignature key) cosigned the note; throws otherwise. */
export function verifyCosignature(note: string | Note, verifier: Verifier): number {
  const parsed = typeof note === 'string' ? parseNote(note) : note;
  let timestamp = 0;
  for (const entry of signaturesBy(parsed, verifier, 'cosigned')) {
    if (entry.signature.length !== TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES)
      throw new NoteError('malformed cosignature');
    timestamp = Number(entry.signature.readBigUInt64BE(0));
    if (!verifier.verify(cosignedMessage(parsed.text, timestamp), entry.signature.subarray(TIMESTAMP_BYTES))) {
      throw new NoteError(`the cosignature of ${verifier.name} does not verify`);
    }
  }
  return timestamp;
}
