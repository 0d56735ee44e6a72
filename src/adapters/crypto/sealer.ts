import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';
import type { Sealer } from '../../domain/ports/crypto.js';

/** A 256-bit AES key and the short, non-secret id written into every value it seals. */
export interface KeyMaterial {
  readonly kid: string;
  readonly key: Buffer;
}

export interface SealerKeys {
  /** Seals every new value. */
  readonly current: KeyMaterial;
  /** Retired keys: still open what they sealed, never seal (key rotation, SECURITY.md L1). */
  readonly previous?: readonly KeyMaterial[];
}

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KID = /^[A-Za-z0-9_-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

function checkKey(material: KeyMaterial): void {
  if (!KID.test(material.kid)) throw new Error('sealer: a key id is 1-64 base64url characters');
  if (material.key.length !== 32) throw new Error(`sealer: key ${material.kid} must be 32 bytes (AES-256)`);
}

function keyRing(keys: SealerKeys): ReadonlyMap<string, Buffer> {
  const ring = new Map<string, Buffer>();
  for (const material of [keys.current, ...(keys.previous ?? [])]) {
    checkKey(material);
    const known = ring.get(material.kid);
    if (known !== undefined && !known.equals(material.key)) throw new Error(`sealer: key id ${material.kid} names two keys`);
    ring.set(material.kid, Buffer.from(material.key));
  }
  return ring;
}

/** The version and key id are authenticated too, so a value cannot be relabelled to another key. */
function aad(kid: string): Buffer {
  return Buffer.from(`${VERSION}.${kid}`, 'utf8');
}

/** Strict base64url: rejects anything that would not re-encode to the same text. */
function decode(part: string): Buffer | undefined {
  if (!B64URL.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

function invalid(): DomainError {
  return new DomainError('sealed_invalid', 'sealed value is invalid or its key is unknown');
}

function seal(kid: string, key: Buffer, plaintext: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kid));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [VERSION, kid, nonce.toString('base64url'), body.toString('base64url')].join('.');
}

function open(ring: ReadonlyMap<string, Buffer>, sealed: string): string {
  const [version, kid, noncePart, bodyPart, extra] = sealed.split('.');
  if (version !== VERSION || kid === undefined || noncePart === undefined || bodyPart === undefined || extra !== undefined) throw invalid();
  const key = ring.get(kid);
  const nonce = decode(noncePart);
  const body = decode(bodyPart);
  if (key === undefined || nonce?.length !== NONCE_BYTES || body === undefined || body.length < TAG_BYTES) throw invalid();
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(kid));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw invalid();
  }
}

/**
 * AES-256-GCM with a fresh random 96-bit nonce per value, written as
 * `v1.<kid>.<nonce>.<ciphertext‖tag>` (base64url parts). Random nonces keep a key safe for about
 * 2^32 seals (NIST SP 800-38D §8.3), far beyond the upstream tokens and retry pairs Keyway seals
 * between rotations. Throws at construction on a malformed key, so a bad secret stops start-up.
 * @see NIST SP 800-38D, SECURITY.md L1, M3
 */
export function createAesGcmSealer(keys: SealerKeys): Sealer {
  const ring = keyRing(keys);
  const { kid } = keys.current;
  const key = Buffer.from(keys.current.key);
  return {
    seal: (plaintext) => seal(kid, key, plaintext),
    open: (sealed) => open(ring, sealed),
  };
}
