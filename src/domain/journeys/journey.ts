/**
 * A connect journey: every request one client makes while it tries to connect, from the first
 * unauthenticated probe to the first authenticated MCP request, correlated into one record with a
 * verdict naming where it stopped. docs/journeys.md lists the verdicts.
 *
 * Nothing secret ever enters a journey: no tokens, codes, client secrets, cookies or `state`.
 * Client ids, redirect hosts and client addresses are kept (the request log has them too).
 */

/** The steps of the connect flow, in the order a client normally takes them. */
export const STEP_KINDS = ['probe', 'metadata', 'register', 'authorize', 'consent', 'sign_in', 'callback', 'token', 'mcp'] as const;

export type StepKind = (typeof STEP_KINDS)[number];

/** What one request told about the attempt. */
export interface StepDetail {
  /** The HTTP status the request was answered with. */
  readonly status: number;
  /** Whether the step did what the client wanted (a probe's 401 counts as done). */
  readonly ok: boolean;
  /** A short machine-readable reason or outcome: `consent_shown`, `invalid_grant`, `prm` … */
  readonly note?: string;
  /** The host of the redirect URI an `/authorize` request named. */
  readonly redirectHost?: string;
}

/** One request, as the HTTP adapter reports it to the correlator. */
export interface JourneyEvent {
  readonly kind: StepKind;
  /** Epoch seconds. */
  readonly at: number;
  /** The client the request names or authenticated as, when known. */
  readonly clientId?: string;
  /** The client address, as the request log records it. */
  readonly address?: string;
  /**
   * An opaque key of the browser on the authorization leg (a digest of its binding cookie). It
   * joins consent, sign-in and callback to the `/authorize` that started them; never stored.
   */
  readonly browser?: string;
  readonly detail: StepDetail;
}

export interface JourneyStep extends StepDetail {
  readonly kind: StepKind;
  readonly at: number;
}

export type VerdictCode =
  | 'probed'
  | 'metadata_only'
  | 'registration_refused'
  | 'registered'
  | 'authorize_refused'
  | 'redirect_uri_not_registered'
  | 'consent_pending'
  | 'consent_denied'
  | 'consent_refused'
  | 'sign_in_pending'
  | 'callback_failed'
  | 'token_missing'
  | 'token_refused'
  | 'mcp_missing'
  | 'mcp_refused'
  | 'connected';

export interface Verdict {
  readonly code: VerdictCode;
  /** One line for people: where the attempt stopped and, when known, why. */
  readonly text: string;
}

/**
 * Why a journey ended: its first authenticated MCP request succeeded, it went quiet, it reached its
 * maximum lifetime, too many were open, or Keyway stopped.
 */
export type JourneyEnd = 'connected' | 'timeout' | 'lifetime' | 'evicted' | 'shutdown';

/** How many client ids, browsers and redirect hosts a journey saw beyond its bound, and did not keep. */
export interface JourneyOverflow {
  readonly clientIds: number;
  readonly browsers: number;
  readonly redirectHosts: number;
}

export interface Journey {
  readonly id: string;
  readonly startedAt: number;
  readonly lastAt: number;
  readonly endedAt: number;
  readonly end: JourneyEnd;
  /** Every client id the attempt used (Claude registers twice, about a second apart). */
  readonly clientIds: readonly string[];
  /** The first client address seen. */
  readonly address?: string;
  readonly redirectHosts: readonly string[];
  readonly steps: readonly JourneyStep[];
  /** Steps left out beyond the per-journey bound (the first ones are kept). */
  readonly droppedSteps: number;
  /** Present only when the journey saw more client ids, browsers or redirect hosts than it keeps. */
  readonly overflow?: JourneyOverflow;
  readonly verdict: Verdict;
}
