import type { AuthInfo } from '@modelcontextprotocol/server';
import { ANONYMOUS, type Principal } from '../../domain/principal.js';
import type { ToolContext, ToolOutcome } from '../../domain/tools/pack.js';

/**
 * A tool call the fast path (fast-path.ts) started and hands to the SDK: its handler is already
 * running (or done), so the SDK path resumes it on the SDK's own {@link ToolContext} — from then on
 * every notification and client request goes through the SDK — instead of running it again.
 */
export interface ToolHandover {
  readonly tool: string;
  /** Switches the running handler to `context` and resolves with its outcome. */
  resume(context: ToolContext): Promise<ToolOutcome>;
}

/**
 * The SDK carries the caller's identity to handlers as `AuthInfo`; Keyway puts its verified
 * principal in `extra.principal` and never a raw credential in `token`. `extra.handover` is set
 * only by Keyway itself, never from anything a client sends.
 */
export function toAuthInfo(principal: Principal, handover?: ToolHandover): AuthInfo {
  return {
    token: '',
    clientId: principal.clientId ?? principal.subject,
    scopes: [...principal.scopes],
    extra: handover === undefined ? { principal } : { principal, handover },
  };
}

/** The principal an `AuthInfo` carries, or the anonymous principal. */
export function principalOf(authInfo: AuthInfo | undefined): Principal {
  const candidate = authInfo?.extra?.['principal'] as Principal | undefined;
  return candidate !== undefined && typeof candidate.subject === 'string' ? candidate : ANONYMOUS;
}

/** The handover meant for `tool`, if the fast path handed this request over with one. */
export function handoverFor(authInfo: AuthInfo | undefined, tool: string): ToolHandover | undefined {
  const handover = authInfo?.extra?.['handover'] as ToolHandover | undefined;
  return handover !== undefined && handover.tool === tool ? handover : undefined;
}
