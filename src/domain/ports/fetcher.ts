/**
 * Outbound HTTP for documents Keyway must read from the internet (Client ID Metadata Documents).
 * Adapters enforce an SSRF guard (public addresses only, https only), a size limit, a time limit,
 * and cache per the response's HTTP caching headers.
 */
export interface FetchedDocument {
  /** Parsed JSON body. */
  readonly json: unknown;
  /** Epoch seconds until which the document may be reused. */
  readonly freshUntil: number;
}

export interface DocumentFetcher {
  /**
   * Fetches `url` as JSON. Throws `DomainError('fetch_failed')` with a message safe to show when
   * the URL is refused by the guard, the fetch fails, times out, is too large or is not JSON.
   */
  fetchJson(url: string): Promise<FetchedDocument>;
}
