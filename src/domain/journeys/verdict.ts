import { STEP_KINDS, type JourneyStep, type StepKind, type Verdict } from './journey.js';

/**
 * Where a journey stopped. Steps are ranked in flow order; the verdict comes from the last step at
 * or beyond the furthest step that succeeded. So a client that fetches metadata again after
 * getting its tokens is still "token issued, no MCP request followed", while a failure beyond the
 * furthest success (a refused token after a good callback) names that failure.
 */
export interface VerdictFold {
  /** Rank of the furthest successful step so far (-1 before any). */
  readonly reached: number;
  /** The step the verdict is read from. */
  readonly deciding?: JourneyStep;
}

export const EMPTY_FOLD: VerdictFold = { reached: -1 };

const RANK: Readonly<Record<StepKind, number>> = Object.fromEntries(STEP_KINDS.map((kind, index) => [kind, index])) as Record<StepKind, number>;

export function rankOf(kind: StepKind): number {
  return RANK[kind];
}

export function foldStep(fold: VerdictFold, step: JourneyStep): VerdictFold {
  const rank = rankOf(step.kind);
  const deciding = rank >= fold.reached ? step : fold.deciding;
  const reached = step.ok ? Math.max(fold.reached, rank) : fold.reached;
  return deciding === undefined ? { reached } : { reached, deciding };
}

const because = (step: JourneyStep): string => (step.note === undefined ? `HTTP ${step.status}` : step.note);

function failed(step: JourneyStep): Verdict {
  switch (step.kind) {
    case 'register':
      return { code: 'registration_refused', text: `registration refused (${because(step)})` };
    case 'authorize':
      return step.note === 'redirect_uri_not_registered'
        ? { code: 'redirect_uri_not_registered', text: 'redirect URI not registered' }
        : { code: 'authorize_refused', text: `authorize refused (${because(step)})` };
    case 'consent':
      return step.note === 'access_denied' ? { code: 'consent_denied', text: 'consent denied by the user' } : { code: 'consent_refused', text: `consent refused (${because(step)})` };
    case 'sign_in':
      return { code: 'sign_in_pending', text: `sign-in not completed (${because(step)})` };
    case 'callback':
      return { code: 'callback_failed', text: `signed in upstream, callback failed (${because(step)})` };
    case 'token':
      return { code: 'token_refused', text: `token refused (${because(step)})` };
    case 'mcp':
      return { code: 'mcp_refused', text: `token issued, MCP request refused (${because(step)})` };
    case 'probe':
    case 'metadata':
      return succeeded(step);
  }
}

function succeeded(step: JourneyStep): Verdict {
  switch (step.kind) {
    case 'probe':
      return { code: 'probed', text: 'probed, never fetched metadata' };
    case 'metadata':
      return { code: 'metadata_only', text: 'fetched metadata, never registered' };
    case 'register':
      return { code: 'registered', text: 'registered, never called /authorize' };
    case 'authorize':
      return step.note === 'sign_in_started'
        ? { code: 'sign_in_pending', text: 'sent to sign-in (remembered consent), never came back to /callback' }
        : { code: 'consent_pending', text: 'authorize shown, consent never given' };
    case 'consent':
      return { code: 'sign_in_pending', text: 'consent given, sign-in never completed' };
    case 'sign_in':
      return { code: 'sign_in_pending', text: 'sign-in page reached, never came back to /callback' };
    case 'callback':
      return { code: 'token_missing', text: 'authorized, never called /token — a firewall in front?' };
    case 'token':
      return { code: 'mcp_missing', text: 'token issued, no MCP request followed' };
    case 'mcp':
      return { code: 'connected', text: 'connected' };
  }
}

export function verdictOf(fold: VerdictFold): Verdict {
  const step = fold.deciding;
  if (step === undefined) return { code: 'probed', text: 'probed, never fetched metadata' };
  return step.ok ? succeeded(step) : failed(step);
}
