import { SPEC_ACCEPT } from '../../client-profiles/types.js';
import type { ProbeResponse } from '../../ports/probe.js';
import { userAgent, type DoctorContext } from '../context.js';

/** An MCP POST as the profile's client sends it once it holds a token. */
export interface McpHeaders {
  /** `MCP-Protocol-Version`; omitted when undefined. */
  readonly version?: string;
  /** `Accept`; `null` sends none. Default: the spec pair. */
  readonly accept?: string | null;
  readonly extra?: Readonly<Record<string, string>>;
  /** Send the session `initialize` opened (default); a legacy SSE client has none. */
  readonly session?: boolean;
}

export function mcpHeaders(context: DoctorContext, options: McpHeaders = {}): Record<string, string> {
  const token = context.findings.tokens?.access;
  const session = options.session === false ? undefined : context.findings.negotiated?.sessionId;
  const accept = options.accept === undefined ? SPEC_ACCEPT : options.accept;
  return {
    'content-type': 'application/json',
    ...(accept === null ? {} : { accept }),
    ...(options.version === undefined ? {} : { 'mcp-protocol-version': options.version }),
    ...(session === undefined ? {} : { 'mcp-session-id': session }),
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...userAgent(context.options.profile.userAgents.mcp),
    ...options.extra,
  };
}

export function postMcp(context: DoctorContext, body: string, options: McpHeaders = {}): Promise<ProbeResponse> {
  return context.send({ method: 'POST', url: context.options.url, headers: mcpHeaders(context, options), body });
}

/** True when the MCP steps cannot run: the server wants a token and none was given or obtained. */
export const needsToken = (context: DoctorContext): boolean => context.findings.authRequired === true && context.findings.tokens === undefined;

export const NEEDS_TOKEN = 'needs a token: pass --token or --login';

/** Why a Streamable HTTP step has nothing to check. */
export function noStreamable(context: DoctorContext): string {
  if (context.options.transport === 'sse') return '--transport sse: Streamable HTTP not tried';
  return needsToken(context) ? NEEDS_TOKEN : 'Streamable HTTP not served';
}
