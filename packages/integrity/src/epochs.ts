import { hash, randomBytes } from 'node:crypto';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { inclusionProof, leafArray, leafHash, subtreeHash, verifyInclusion, HASH_BYTES } from './merkle.js';
import {
  canonicalBase64,
  NoteError,
  openNote,
  parseNote,
  signatureLine,
  signNote,
  SIGNATURE_TYPE,
  Signer,
  Verifier,
} from './note.js';

// Forward security. At start the root key signs one *epoch certificate* for the log: the Merkle
// root over the public keys of the log's epoch keys 0..n-1. Epoch seeds form a hash chain
// (seed[j+1] = SHA-256("apitrail epoch seed\n" ‖ seed[j])), so the process only ever holds the
// current seed: when epoch j ends it derives seed j+1 and zeroes seed j, and nothing on the host
// can sign for epoch j again. Each checkpoint is signed by its epoch's key and carries, as
// extension lines, that key, its inclusion proof in the certificate's key tree and the certificate.

export const CERTIFICATE_HEADER = 'apitrail-epoch-keys/v1';
const EPOCH_LINE = 'apitrail-epoch';
const CERTIFICATE_LINE = 'apitrail-certificate';
/** On the checkpoint a log closes with: nothing follows it. Signed, so it cannot be added to an earlier one. */
const CLOSED_LINE = 'apitrail-closed';
const SEED_DOMAIN = Buffer.from('apitrail epoch seed\n');

/** Epoch keys per log (each derivation costs about 0.1 ms at start). */
export const EPOCHS_PER_LOG = 256;

export function epochKeyName(origin: string, epoch: number): string {
  return `${origin}/epoch/${epoch}`;
}

function nextSeed(seed: Buffer): Buffer {
  return hash('sha256', Buffer.concat([SEED_DOMAIN, seed]), 'buffer');
}

export interface EpochCertificate {
  readonly origin: string;
  readonly epochs: number;
  readonly epochMs: number;
  readonly startMs: number;
  readonly keysRoot: Buffer;
}

function certificateText(certificate: EpochCertificate): string {
  return (
    [
      CERTIFICATE_HEADER,
      certificate.origin,
      `${certificate.epochs} ${certificate.epochMs} ${certificate.startMs}`,
      certificate.keysRoot.toString('base64'),
    ].join('\n') + '\n'
  );
}

function parseCertificateText(text: string): EpochCertificate {
  const lines = text.split('\n');
  const numbers = (lines[2] ?? '').split(' ').map(Number);
  const keysRoot = Buffer.from(lines[3] ?? '', 'base64');
  if (
    lines.length !== 5 ||
    lines[0] !== CERTIFICATE_HEADER ||
    !lines[1] ||
    numbers.length !== 3 ||
    !numbers.every((value) => Number.isSafeInteger(value) && value > 0) ||
    keysRoot.length !== HASH_BYTES
  ) {
    throw new NoteError('malformed epoch certificate');
  }
  const [epochs, epochMs, startMs] = numbers as [number, number, number];
  return { origin: lines[1], epochs, epochMs, startMs, keysRoot };
}

/** The certificate note a checkpoint's certificate line carries: canonical base64 of its UTF-8. */
function certificateNote(encoded: string): string {
  const note = Buffer.from(encoded, 'base64').toString();
  // The round trip also refuses bytes that are not UTF-8, which the decoding would replace.
  if (Buffer.from(note).toString('base64') !== encoded) throw new NoteError('invalid certificate line');
  return note;
}

/**
 * The host side: the log's epoch keys. Holds the root key only inside the constructor, and one
 * epoch seed at a time after it.
 */
export class EpochKeys {
  readonly certificate: EpochCertificate;
  /** The certificate as a signed note (root signature). */
  readonly certificateNote: string;
  private readonly keyLeaves: Buffer[];
  private current: Signer;
  private seed: Buffer;
  private index = 0;
  /** The current epoch line (its key and proof), worked out once per epoch. */
  private epochLine = '';

  constructor(root: Signer, origin: string, epochMs: number, startMs: number, epochs = EPOCHS_PER_LOG) {
    this.seed = randomBytes(32);
    this.keyLeaves = [];
    let seed: Buffer = Buffer.from(this.seed);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const signer = new Signer(epochKeyName(origin, epoch), SIGNATURE_TYPE.ed25519, seed);
      this.keyLeaves.push(leafHash(signer.verifier.publicKey));
      signer.erase();
      const next = nextSeed(seed);
      seed.fill(0);
      seed = next;
    }
    seed.fill(0);
    this.certificate = {
      origin,
      epochs,
      epochMs,
      startMs,
      keysRoot: subtreeHash(leafArray(this.keyLeaves), 0, epochs),
    };
    this.certificateNote = signNote(certificateText(this.certificate), root);
    this.current = new Signer(epochKeyName(origin, 0), SIGNATURE_TYPE.ed25519, this.seed);
  }

  get epoch(): number {
    return this.index;
  }

  /** The epoch that `nowMs` falls in, capped at the last one (whose key then stays in use). */
  epochAt(nowMs: number): number {
    const { epochMs, startMs, epochs } = this.certificate;
    return Math.min(epochs - 1, Math.max(0, Math.floor((nowMs - startMs) / epochMs)));
  }

  /** Ends the current epoch: its seed is zeroed, the next one derived. */
  advance(): void {
    if (this.index + 1 >= this.certificate.epochs) return;
    const next = nextSeed(this.seed);
    this.seed.fill(0);
    this.current.erase();
    this.seed = next;
    this.index++;
    this.epochLine = '';
    this.current = new Signer(epochKeyName(this.certificate.origin, this.index), SIGNATURE_TYPE.ed25519, this.seed);
  }

  /** Zeroes the current seed: the log can sign nothing more. */
  erase(): void {
    this.seed.fill(0);
    this.current.erase();
  }

  /** The signed checkpoint note of the tree (`size`, `root`) under the current epoch key. */
  sign(size: number, root: Buffer, closed = false): string {
    if (this.epochLine === '') {
      const proof = inclusionProof(leafArray(this.keyLeaves), this.index, this.certificate.epochs);
      this.epochLine = [
        EPOCH_LINE,
        String(this.index),
        this.current.verifier.vkey,
        ...proof.map((node) => node.toString('base64')),
      ].join(' ');
    }
    const text = formatCheckpoint({
      origin: this.certificate.origin,
      size,
      root,
      extensions: [
        this.epochLine,
        `${CERTIFICATE_LINE} ${Buffer.from(this.certificateNote).toString('base64')}`,
        ...(closed ? [CLOSED_LINE] : []),
      ],
    });
    return signNote(text, this.current);
  }
}

/**
 * The start time (ms) its epoch certificate gives the log of `checkpoint`, read without checking
 * any signature: for a checkpoint already verified when it was stored (a witness's own state).
 */
export function certifiedStartMs(checkpoint: Checkpoint): number {
  const line = checkpoint.extensions.find((extension) => extension.startsWith(`${CERTIFICATE_LINE} `));
  if (line === undefined) throw new NoteError('checkpoint without epoch lines');
  return parseCertificateText(parseNote(certificateNote(line.slice(CERTIFICATE_LINE.length + 1))).text).startMs;
}

/** Whether `checkpoint` is its log's closing one. */
export function isClosed(checkpoint: Checkpoint): boolean {
  return checkpoint.extensions.includes(CLOSED_LINE);
}

export interface VerifiedCheckpoint extends Checkpoint {
  readonly epoch: number;
  /** The log's closing checkpoint. */
  readonly closed: boolean;
  readonly certificate: EpochCertificate;
  /** The checkpoint note as verified (with its signatures). */
  readonly note: string;
  /** The note with its epoch key's signature line alone (others, of keys not checked, dropped). */
  readonly signedNote: string;
  /** The note text (what the log and witnesses sign). */
  readonly text: string;
}

/**
 * Certificates, and epoch lines, a CheckpointVerifier keeps. A witness runs for months: every log
 * brings a certificate and every epoch of it an epoch line (about 1 KB each), so an unbounded cache
 * would grow for as long as it runs. One let go is checked again when it comes back (a signature
 * and a short inclusion proof), as in a verify run over more logs than this.
 */
const CACHE_ENTRIES = 4096;

/** Adds `key` to `cache`, first dropping its oldest entry (a Map iterates in insertion order) when full. */
function remember<V>(cache: Map<string, V>, key: string, value: V, limit: number): void {
  if (cache.size >= limit) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}

/**
 * The verifier side: opens checkpoint notes under a root public key. Certificates repeat on every
 * checkpoint of a log: each is verified once. The caches are keyed by the lines as written, so
 * each line is read strictly (canonical base64 and decimal, one signature on a certificate): a
 * lenient reader would give a valid certificate or epoch line endlessly many spellings, each a new
 * cache entry, and a witness sent them (they are cached before the checkpoint's own signature is
 * checked) would grow without bound.
 */
export class CheckpointVerifier {
  private readonly certificates = new Map<string, EpochCertificate>();
  private readonly epochKeys = new Map<string, { epoch: number; epochKey: Verifier }>();

  /** `cacheEntries`: how many certificates, and epoch lines, are kept (the oldest goes first). */
  constructor(
    readonly root: Verifier,
    private readonly cacheEntries = CACHE_ENTRIES,
  ) {}

  /** The checkpoint, if `note` is validly signed down from the root key; throws NoteError naming why not. */
  open(note: string): VerifiedCheckpoint {
    const parsed = parseNote(note);
    let checkpoint: Checkpoint;
    try {
      checkpoint = parseCheckpoint(parsed.text);
    } catch (error) {
      throw new NoteError((error as Error).message);
    }
    const epochLine = checkpoint.extensions.find((line) => line.startsWith(`${EPOCH_LINE} `));
    const certificateLine = checkpoint.extensions.find((line) => line.startsWith(`${CERTIFICATE_LINE} `));
    if (epochLine === undefined || certificateLine === undefined) throw new NoteError('checkpoint without epoch lines');
    const certificate = this.certificate(certificateNote(certificateLine.slice(CERTIFICATE_LINE.length + 1)));
    if (certificate.origin !== checkpoint.origin) throw new NoteError('the certificate is for another log');
    const { epoch, epochKey } = this.epochKey(certificate, certificateLine, checkpoint.origin, epochLine);
    openNote(parsed, epochKey);
    const signature = parsed.signatures.find((entry) => entry.name === epochKey.name && entry.id.equals(epochKey.id))!;
    return {
      ...checkpoint,
      epoch,
      closed: isClosed(checkpoint),
      certificate,
      note,
      signedNote: `${parsed.text}\n${signatureLine(signature)}`,
      text: parsed.text,
    };
  }

  /**
   * The epoch and key an epoch line names, checked against the certificate: once per epoch line
   * and certificate, as every checkpoint of an epoch repeats them.
   */
  private epochKey(
    certificate: EpochCertificate,
    certificateLine: string,
    origin: string,
    epochLine: string,
  ): { epoch: number; epochKey: Verifier } {
    const cacheKey = `${certificateLine}\n${epochLine}`;
    const known = this.epochKeys.get(cacheKey);
    if (known !== undefined) return known;
    const [, epochText, vkey, ...proofText] = epochLine.split(' ');
    const epoch = Number(epochText);
    if (
      !/^(0|[1-9][0-9]{0,15})$/.test(epochText ?? '') ||
      !Number.isSafeInteger(epoch) ||
      epoch >= certificate.epochs ||
      vkey === undefined
    ) {
      throw new NoteError('invalid epoch line');
    }
    const epochKey = Verifier.parse(vkey);
    if (epochKey.vkey !== vkey) throw new NoteError('invalid epoch line: the key is not written canonically');
    if (epochKey.name !== epochKeyName(origin, epoch) || epochKey.type !== SIGNATURE_TYPE.ed25519) {
      throw new NoteError(`the epoch key is not named for epoch ${epoch} of this log`);
    }
    const proof = proofText.map((node) => canonicalBase64(node));
    if (!proof.every((node): node is Buffer => node !== undefined))
      throw new NoteError('invalid epoch line: a proof hash is not base64');
    if (!verifyInclusion(leafHash(epochKey.publicKey), epoch, certificate.epochs, proof, certificate.keysRoot)) {
      throw new NoteError(`the epoch key is not the certified key of epoch ${epoch}`);
    }
    const checked = { epoch, epochKey };
    remember(this.epochKeys, cacheKey, checked, this.cacheEntries);
    return checked;
  }

  private certificate(note: string): EpochCertificate {
    const known = this.certificates.get(note);
    if (known !== undefined) return known;
    const parsed = parseNote(note);
    // The root signs a certificate once; further signature lines (any key's, ignored by openNote)
    // would make new spellings of it.
    if (parsed.signatures.length !== 1) throw new NoteError('an epoch certificate carries the root signature only');
    const certificate = parseCertificateText(openNote(parsed, this.root));
    remember(this.certificates, note, certificate, this.cacheEntries);
    return certificate;
  }
}
