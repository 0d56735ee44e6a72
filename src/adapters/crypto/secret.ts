import { hkdfSync, randomBytes } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../domain/ports/logger.js';

/** What a derived key is for. Each purpose gets its own key, so no key ever serves two roles. */
export type SecretPurpose = 'seal' | 'cookie' | 'csrf' | 'request-state';

/** The root secret. It never leaves this object: callers get derived keys and a public id only. */
export interface RootSecret {
  /** Short, non-secret id of this secret (goes into sealed values so rotation can tell keys apart). */
  readonly kid: string;
  /** A 32-byte key for `purpose`, HKDF-SHA256 of the root secret (a fresh copy on every call). */
  derive(purpose: SecretPurpose): Buffer;
}

export interface RootSecretOptions {
  /** `KEYWAY_SECRET`, when set. */
  readonly configured?: string;
  /** Folder that holds `secret.key` when no secret is configured and storage is persistent. */
  readonly dataDir: string;
  /** False for the memory store: nothing survives a restart, so an ephemeral key is enough. */
  readonly persistent: boolean;
  readonly logger: Logger;
}

export const SECRET_FILE = 'secret.key';
const MIN_BYTES = 32;
const HEX = /^[0-9a-fA-F]+$/;
const BASE64URL = /^[A-Za-z0-9_-]{43,}={0,2}$/;
/** RFC 5869 §3.1: a fixed, non-secret salt is fine; it separates Keyway's derivations from others. */
const SALT = Buffer.from('keyway/hkdf/v1', 'utf8');

function hkdf(root: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', root, SALT, Buffer.from(info, 'utf8'), length));
}

/**
 * Decodes a secret written as hex or base64url (padding allowed), at least 32 bytes. A string made
 * only of hex digits is read as hex (so 31 bytes of hex are refused, not taken for longer
 * base64url). `undefined` for anything else.
 */
export function parseSecret(text: string): Buffer | undefined {
  if (HEX.test(text)) return text.length % 2 === 0 && text.length >= 2 * MIN_BYTES ? Buffer.from(text, 'hex') : undefined;
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text.replace(/=+$/, ''), 'base64url');
  return bytes.length >= MIN_BYTES ? bytes : undefined;
}

/**
 * Wraps raw key material. Purposes are separated with HKDF's `info`; the id is one more derivation,
 * 48 bits, so it identifies the key without revealing anything usable about it.
 * @see RFC 5869 §3.2 (info binds a derived key to its context)
 */
export function createRootSecret(root: Buffer): RootSecret {
  if (root.length < MIN_BYTES) throw new Error(`the root secret must be at least ${MIN_BYTES} bytes`);
  const material = Buffer.from(root);
  return {
    kid: hkdf(material, 'keyway/key-id', 6).toString('base64url'),
    derive: (purpose) => hkdf(material, `keyway/${purpose}`, 32),
  };
}

/**
 * Opens the secret file and checks it on the same handle (no swap between check and read): it
 * must be a regular file nobody but the owner can read, holding a well-formed secret.
 */
async function readSecretFile(path: string): Promise<Buffer | undefined> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (handle === undefined) return undefined;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error(`${path} is not a regular file`);
    // POSIX permission bits mean nothing on Windows, where the folder's ACL protects the file.
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(`${path} is readable by group or others (mode ${mode}): run "chmod 600" on it, or set KEYWAY_SECRET`);
    }
    const secret = parseSecret((await handle.readFile('utf8')).trim());
    if (secret === undefined) throw new Error(`${path} is malformed: it must hold at least 32 random bytes as base64url or hex`);
    return secret;
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` to a temporary file with mode 0600 and flushes it to disk. */
async function writePrivateFile(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(`${bytes.toString('base64url')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `secret.key` atomically: the complete file is written under a temporary name, then
 * hard-linked into place. `link` fails if the name exists, so when two processes start at once the
 * loser reads the winner's key instead of overwriting it (a rename would silently replace it).
 */
async function createSecretFile(dataDir: string, path: string): Promise<Buffer> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const temporary = join(dataDir, `.${SECRET_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fresh = randomBytes(MIN_BYTES);
  try {
    await writePrivateFile(temporary, fresh);
    await link(temporary, path);
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const existing = await readSecretFile(path);
    if (existing === undefined) throw new Error(`${path} vanished while it was being created`, { cause: error });
    return existing;
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * The root secret, from (in order) `KEYWAY_SECRET`, `<dataDir>/secret.key` (created on first start
 * when storage is persistent), or an ephemeral random key for the memory store. Throws with a
 * message naming the variable or file on a malformed or exposed secret. Logs the key id and where
 * the secret came from, never the secret.
 * @see SECURITY.md M3 (the key is kept outside the database)
 */
export async function loadRootSecret(options: RootSecretOptions): Promise<RootSecret> {
  const { configured, dataDir, persistent, logger } = options;
  if (configured !== undefined) {
    const bytes = parseSecret(configured.trim());
    if (bytes === undefined) throw new Error('KEYWAY_SECRET: must be at least 32 random bytes, base64url or hex');
    const secret = createRootSecret(bytes);
    logger.info('secret.loaded', { source: 'KEYWAY_SECRET', kid: secret.kid });
    return secret;
  }
  if (!persistent) {
    const secret = createRootSecret(randomBytes(MIN_BYTES));
    logger.warn('secret.ephemeral', { kid: secret.kid, detail: 'KEYWAY_SECRET is unset and storage is memory: sealed values and cookies end with this process' });
    return secret;
  }
  const path = join(dataDir, SECRET_FILE);
  const existing = await readSecretFile(path);
  const secret = createRootSecret(existing ?? (await createSecretFile(dataDir, path)));
  logger.info('secret.loaded', { source: existing === undefined ? 'generated' : 'file', path, kid: secret.kid });
  return secret;
}
