import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Random } from '../ports/random.js';
import { isIdle, isLive, type Session, type SessionEndReason, type SessionKind } from './session.js';

export interface SessionPolicy {
  /** Seconds without traffic after which an unused session expires. */
  readonly idleSeconds: number;
  /** Most live sessions of all kinds at once (global cap). */
  readonly maxSessions: number;
  /** Most live sessions one principal may hold at once. */
  readonly maxPerOwner: number;
}

export type SessionEndListener = (session: Session, reason: SessionEndReason) => void;

export interface OpenSessionInput {
  readonly kind: SessionKind;
  readonly owner: string;
  readonly grantId?: string;
}

/**
 * The live sessions of this process and the rules that govern them. Pure: time comes from `Clock`,
 * ids from `Random`; adapters call `reap` on their own timer and close transports on `onEnd`.
 */
export interface SessionRegistry {
  /**
   * Opens a session for `owner`. Throws `session_user_limit_reached` past the per-owner cap (the
   * caller should back off) and `session_limit_reached` past the global cap (the server is full).
   */
  open(input: OpenSessionInput): Session;
  /**
   * The live session `id` as seen by `owner`. Unknown, ended, and other owners' sessions all throw
   * `session_not_found`, so a guessed or stolen id reveals nothing.
   */
  find(id: string, owner: string): Session;
  /** Records traffic; the first message after the handshake moves `open` to `active`. */
  touch(session: Session): void;
  /** Runs `work` counted as in flight, so the session is not reaped while it runs. */
  track<T>(session: Session, work: () => Promise<T>): Promise<T>;
  /** Counts a long-lived stream open until the returned function is called (idempotent). */
  holdStream(session: Session): () => void;
  /** Ends a session (client DELETE, stream closed, grant revoked). Idempotent. */
  end(id: string, reason: SessionEndReason): void;
  /** Ends every live session of a grant; returns how many ended. */
  endGrant(grantId: string): number;
  /** Expires idle sessions; returns how many expired. */
  reap(): number;
  /** Ends every live session, for shutdown. */
  endAll(reason: SessionEndReason): void;
  onEnd(listener: SessionEndListener): void;
  /** Number of live sessions. */
  size(): number;
}

export function createSessionRegistry(policy: SessionPolicy, clock: Clock, random: Random): SessionRegistry {
  const sessions = new Map<string, Session>();
  // Live sessions per owner, kept beside `sessions` so the per-owner cap costs O(1) per open rather
  // than a scan of every session (opening 10 000 legacy SSE streams took 14–17 s: issue 7).
  const perOwner = new Map<string, number>();
  const listeners: SessionEndListener[] = [];

  const release = (owner: string): void => {
    const count = (perOwner.get(owner) ?? 0) - 1;
    if (count > 0) perOwner.set(owner, count);
    else perOwner.delete(owner);
  };

  const finish = (session: Session, reason: SessionEndReason): void => {
    if (!isLive(session)) return;
    session.state = reason === 'expired' ? 'expired' : 'closed';
    sessions.delete(session.id);
    release(session.owner);
    for (const listener of listeners) listener(session, reason);
  };

  return {
    open(input) {
      if (sessions.size >= policy.maxSessions) {
        throw new DomainError('session_limit_reached', 'the server holds the most sessions it allows');
      }
      const owned = perOwner.get(input.owner) ?? 0;
      if (owned >= policy.maxPerOwner) {
        throw new DomainError('session_user_limit_reached', 'this user holds the most sessions allowed per user');
      }
      const now = clock.now();
      const session: Session = {
        id: random.token(24),
        kind: input.kind,
        owner: input.owner,
        ...(input.grantId === undefined ? {} : { grantId: input.grantId }),
        createdAt: now,
        lastSeenAt: now,
        state: 'open',
        inFlight: 0,
        openStreams: 0,
      };
      sessions.set(session.id, session);
      perOwner.set(input.owner, owned + 1);
      return session;
    },

    find(id, owner) {
      const session = sessions.get(id);
      if (session === undefined || !isLive(session) || session.owner !== owner) {
        throw new DomainError('session_not_found', 'no such session');
      }
      return session;
    },

    touch(session) {
      session.lastSeenAt = clock.now();
      if (session.state === 'open') session.state = 'active';
    },

    async track(session, work) {
      session.inFlight += 1;
      this.touch(session);
      try {
        return await work();
      } finally {
        session.inFlight -= 1;
        session.lastSeenAt = clock.now();
      }
    },

    holdStream(session) {
      session.openStreams += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        session.openStreams -= 1;
        session.lastSeenAt = clock.now();
      };
    },

    end(id, reason) {
      const session = sessions.get(id);
      if (session !== undefined) finish(session, reason);
    },

    endGrant(grantId) {
      const matching = [...sessions.values()].filter((session) => session.grantId === grantId);
      for (const session of matching) finish(session, 'closed');
      return matching.length;
    },

    reap() {
      const now = clock.now();
      const idle = [...sessions.values()].filter((session) => isIdle(session, now, policy.idleSeconds));
      for (const session of idle) finish(session, 'expired');
      return idle.length;
    },

    endAll(reason) {
      for (const session of [...sessions.values()]) finish(session, reason);
    },

    onEnd(listener) {
      listeners.push(listener);
    },

    size() {
      return sessions.size;
    },
  };
}
