import type { UpstreamFailure } from '../ports/upstream.js';
import type { ToolCallResult } from '../tools/pack.js';

/**
 * Tool results for tools that call an upstream provider: JSON on success (as text, and as
 * structured content for clients that read it), and failures as tool errors (`isError: true`)
 * whose text tells the model what to do next — a protocol error would tell it nothing.
 * @see MCP 2025-11-25 server/tools "Error Handling"
 */

/** The value as compact JSON text plus the same value as structured content. */
export function jsonResult(value: Readonly<Record<string, unknown>>): ToolCallResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

export function errorResult(text: string): ToolCallResult {
  return { content: [{ type: 'text', text }], isError: true };
}

function rateLimitText(failure: Extract<UpstreamFailure, { kind: 'rate_limited' }>, provider: string): string {
  const when =
    failure.retryAfterSeconds !== undefined
      ? ` Retry after ${failure.retryAfterSeconds} seconds.`
      : failure.resetAt !== undefined
        ? ` It resets at ${new Date(failure.resetAt * 1000).toISOString()}.`
        : ' Wait a few minutes.';
  return `${provider}'s API rate limit for this user is used up.${when} Do not call ${provider} tools again before then; tell the user why.`;
}

/** Advice for the model, per failure kind. `provider` is the display name (`GitHub`). */
export function failureText(failure: UpstreamFailure, provider: string): string {
  switch (failure.kind) {
    case 'reconnect':
      return `The user's ${provider} sign-in has expired or was revoked. Ask the user to reconnect this connector (sign in with ${provider} again); ${provider} tools cannot work until then.`;
    case 'rate_limited':
      return rateLimitText(failure, provider);
    case 'forbidden':
      return `${provider} refused access: ${failure.message}.${failure.hint === undefined ? '' : ` ${failure.hint}`} The user may lack permission, or an organization may restrict this app; try something else or ask the user.`;
    case 'not_found':
      return `${provider} found nothing: ${failure.message}. Check the names; ${provider} also answers "not found" for private resources the user cannot see.`;
    case 'invalid':
      return `${provider} rejected the request: ${failure.message}. Fix the arguments and try again.`;
    case 'unavailable':
      return `${provider} could not answer (${failure.message}). Try again in a moment.`;
  }
}

export function failureResult(failure: UpstreamFailure, provider: string): ToolCallResult {
  return errorResult(failureText(failure, provider));
}
