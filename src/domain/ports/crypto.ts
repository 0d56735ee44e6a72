/** One-way hashing of secrets before they are stored (tokens, codes, client secrets). */
export interface Hasher {
  /**
   * SHA-256 of the UTF-8 bytes of `value`, base64url without padding — exactly the PKCE S256
   * transform (RFC 7636 §4.2), which is why no pepper is mixed in.
   */
  hash(value: string): string;
  /** Constant-time comparison of two digests. */
  equal(a: string, b: string): boolean;
}

/**
 * Authenticated encryption for secrets Keyway must read back (upstream identity-provider tokens,
 * the Decision 1 retry pair). The key lives outside the database.
 */
export interface Sealer {
  /** AES-256-GCM; the output carries a key id, the nonce and the tag. */
  seal(plaintext: string): string;
  /** Throws `DomainError('sealed_invalid')` when the value was tampered with or the key is unknown. */
  open(sealed: string): string;
}
