import { hash, timingSafeEqual } from 'node:crypto';
import type { Hasher } from '../../domain/ports/crypto.js';

// One-shot `crypto.hash` (Node ≥ 20.12): a fifth of createHash().update().digest() on a token,
// which every authenticated request hashes once.
function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * SHA-256, base64url without padding: the PKCE S256 transform, also used to store tokens, codes
 * and client secrets as digests (they are 128+ random bits, so no salt or slow hash is needed).
 * @see RFC 7636 §4.2, SECURITY.md M3
 */
export function createSha256Hasher(): Hasher {
  return {
    hash: (value) => hash('sha256', value, 'base64url'),
    // Both sides are hashed again so the comparison always runs over 32 bytes: its time reveals
    // neither where the inputs differ nor their lengths, and timingSafeEqual never throws.
    equal: (a, b) => timingSafeEqual(sha256(a), sha256(b)),
  };
}
