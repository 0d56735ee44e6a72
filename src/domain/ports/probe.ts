/**
 * The network as `keyway doctor` sees it from the outside: name resolution, a TLS handshake, one
 * HTTP exchange at a time (never following redirects), an SSE stream watched for a bounded time,
 * and a legacy SSE session's stream held open while messages are POSTed. Adapters bound every call by `timeoutMs` and reject with an `Error` whose message is safe
 * to print (no credentials); the doctor turns a rejection into the failing step's cause.
 */

/** Where an address routes: hosted clients refuse everything but `public` (CLIENTS.md 1.11). */
export type AddressScope = 'public' | 'private' | 'loopback';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
  readonly scope: AddressScope;
}

export interface TlsHandshake {
  /** e.g. `TLSv1.3` */
  readonly protocol: string;
  /** Certificate expiry as an ISO date. */
  readonly validTo: string;
  /** Whole days from now until the certificate expires. */
  readonly daysLeft: number;
  /** Subject common name or first SAN, for the report. */
  readonly subject: string;
}

export interface ProbeRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  /** Sent exactly as given; a header absent here is absent on the wire (no default User-Agent). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

export interface ProbeResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text, cut at the adapter's size limit. */
  readonly body: string;
  /** From sending the request to the end of the body. */
  readonly ms: number;
}

export interface SseEvent {
  /** `message` when the event had no `event:` line. */
  readonly name: string;
  readonly data: string;
  /** Milliseconds after the request was sent. */
  readonly atMs: number;
}

export interface StreamWatch {
  /** Stop watching after this long in any case (the stream is then closed by the adapter); 0 ends the watch with the headers. */
  readonly waitMs: number;
  /** Stop early once this many `:` comment lines (heartbeats) arrived after the first event. */
  readonly heartbeats: number;
}

export interface StreamObservation {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** When the response headers arrived (without them the watch rejects). */
  readonly headersAtMs: number;
  readonly events: readonly SseEvent[];
  /** Arrival times of `:` comment lines, milliseconds after the request was sent. */
  readonly heartbeatsAtMs: readonly number[];
  /** The first bytes of a body that is not an event stream (a JSON document, an HTML page). */
  readonly bodyPrefix: string;
}

/**
 * A GET answered with an event stream, held open: the stream a 2024-11-05 client keeps while it
 * POSTs messages and reads each response as a `message` event. The adapter reads at most its body
 * size limit and then ends the stream; the doctor closes it when the run ends.
 */
export interface SseSession {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** When the response headers arrived, milliseconds after the request was sent. */
  readonly headersAtMs: number;
  /**
   * The next event not read yet (`:` comments are skipped); `undefined` when none arrives within
   * `timeoutMs`, or the stream ended (see {@link SseSession.ended}).
   */
  next(timeoutMs: number): Promise<SseEvent | undefined>;
  /** True once the server closed the stream, the size limit was reached, or {@link SseSession.close} was called. */
  ended(): boolean;
  close(): void;
}

export interface Probe {
  /** Every A and AAAA record of `host` (an IP literal resolves to itself). */
  resolve(host: string, timeoutMs: number): Promise<readonly ResolvedAddress[]>;
  /** Completes a TLS handshake with SNI `host`, verifying the chain and the name. */
  handshake(host: string, port: number, timeoutMs: number): Promise<TlsHandshake>;
  exchange(request: ProbeRequest): Promise<ProbeResponse>;
  /** Opens `request` and watches the answer as an SSE stream for at most `watch.waitMs`. */
  watchStream(request: ProbeRequest, watch: StreamWatch): Promise<StreamObservation>;
  /** Opens `request` and holds its answer open; rejects when no response headers arrive within `timeoutMs`. */
  openSse(request: ProbeRequest): Promise<SseSession>;
  /** Monotonic milliseconds, for the overall deadline and the measured values. */
  nowMs(): number;
  /** A fresh unguessable token (state, PKCE verifier). */
  randomToken(): string;
  /** PKCE S256 of `verifier` (RFC 7636 §4.2). */
  s256(verifier: string): string;
}

/**
 * A person signing in at a browser (`--login`): a loopback redirect URI that receives the
 * authorization response, and a way to show the authorization URL to the person.
 */
export interface LoopbackCallback {
  /** `http://127.0.0.1:<port>/callback` */
  readonly redirectUri: string;
  /** The query of the first request to the callback path; rejects after `timeoutMs`. */
  receive(timeoutMs: number): Promise<URLSearchParams>;
  close(): Promise<void>;
}

export interface SignInPort {
  listen(): Promise<LoopbackCallback>;
  /** Shows or opens `url` for the person (prints it; opens `$BROWSER` when set). */
  open(url: string): Promise<void>;
}
