import type { Hasher } from '../ports/crypto.js';

/** RFC 7636 §4.1: 43–128 characters of the unreserved set `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * PKCE S256 check (the only method Keyway accepts): `BASE64URL(SHA256(verifier)) == challenge`,
 * compared in constant time. A missing or malformed verifier never matches, and neither does any
 * verifier against a code that carries no challenge (SECURITY.md F3: no downgrade either way).
 * @see RFC 7636 §4.6, SECURITY.md F2, F3
 */
export function verifierMatches(hasher: Hasher, verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined || !VERIFIER.test(verifier) || challenge === '') return false;
  return hasher.equal(hasher.hash(verifier), challenge);
}
