/** Unpredictable identifiers for sessions, codes and tokens. */
export interface Random {
  /**
   * A URL-safe string carrying at least `bytes` bytes (default 32) of cryptographic randomness.
   * Every character is in 0x21–0x7E, so it is valid in an HTTP header and a query string.
   */
  token(bytes?: number): string;
}
