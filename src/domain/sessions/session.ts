/**
 * An MCP session: a legacy HTTP+SSE stream (2024-11-05) or a Streamable HTTP session (2025 eras,
 * sessions mode). Lifecycle: `open` (created, handshake not finished) → `active` (first message
 * after the handshake) → `closed` (client or server ended it) or `expired` (idle past its TTL).
 * A session belongs to the principal that opened it; nobody else may see or end it.
 */
export type SessionKind = 'sse' | 'streamable';

export type SessionState = 'open' | 'active' | 'closed' | 'expired';

export type SessionEndReason = 'closed' | 'expired' | 'shutdown';

export interface Session {
  readonly id: string;
  readonly kind: SessionKind;
  /** Subject of the principal that opened the session. */
  readonly owner: string;
  /** Grant the opening token belonged to, so revoking the grant can close its sessions. */
  readonly grantId?: string;
  readonly createdAt: number;
  state: SessionState;
  /** Epoch seconds of the last request or message on this session. */
  lastSeenAt: number;
  /** Requests being served right now; a busy session is never reaped. */
  inFlight: number;
  /** Open long-lived streams (the SSE stream, a GET listen stream); they keep it alive too. */
  openStreams: number;
}

/** True while the session can still carry messages. */
export function isLive(session: Session): boolean {
  return session.state === 'open' || session.state === 'active';
}

/** Idle means: nothing in flight, no stream open, and nothing seen for longer than the TTL. */
export function isIdle(session: Session, now: number, idleSeconds: number): boolean {
  return session.inFlight === 0 && session.openStreams === 0 && now - session.lastSeenAt > idleSeconds;
}
