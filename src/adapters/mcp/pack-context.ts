import { CLIENT_CAPABILITIES_META_KEY, type McpServer, type RequestMethod, type ServerContext } from '@modelcontextprotocol/server';
import type { LogLevel, ResourceReadContext, ServerChange, ToolContext } from '../../domain/tools/pack.js';
import { principalOf } from './auth-info.js';

/** What a per-request server knows about itself that the SDK's handler context does not carry. */
export interface ServingUnit {
  readonly era: 'legacy' | 'modern';
  readonly server: McpServer;
  readonly announce: (change: ServerChange) => void;
}

/**
 * Server-to-client requests made by a handler wait for a person (elicitation) or a model
 * (sampling), so they get the same ten minutes the SDK's legacy input-required shim allows,
 * and end early when the call itself is cancelled.
 */
const CLIENT_REQUEST_TIMEOUT_MS = 600_000;

/**
 * The capabilities the client declared: the request's own `_meta` envelope in 2026-07-28, the
 * `initialize` capabilities in the 2025 eras.
 * @see MCP 2026-07-28 basic "Request metadata"; MCP 2025-11-25 basic/lifecycle "Initialization"
 */
function clientCapabilitiesOf(ctx: ServerContext, unit: ServingUnit): Readonly<Record<string, unknown>> | undefined {
  const envelope = ctx.mcpReq.envelope as Readonly<Record<string, unknown>> | undefined;
  const declared = envelope?.[CLIENT_CAPABILITIES_META_KEY];
  if (declared !== undefined && declared !== null && typeof declared === 'object') return declared as Readonly<Record<string, unknown>>;
  // The 2025 eras have only the initialize-scoped value.
  return unit.era === 'legacy' ? unit.server.server.getClientCapabilities() : undefined;
}

/**
 * Progress goes out only when the client asked for it with a token.
 * @see MCP 2025-11-25 basic/utilities/progress ("MUST only reference tokens … provided in an active request")
 */
function progressReporter(ctx: ServerContext): ToolContext['reportProgress'] {
  const token = ctx.mcpReq._meta?.progressToken;
  return async (progress, total, message) => {
    if (token === undefined) return;
    await ctx.mcpReq.notify({
      method: 'notifications/progress',
      params: { progressToken: token, progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) },
    });
  };
}

/**
 * Requests go through `ctx.mcpReq.send`, which relates them to the call's request id, so they
 * travel on the call's own stream (a request on an unrelated stream hangs; DESIGN.md).
 */
function clientRequester(ctx: ServerContext): ToolContext['request'] {
  return async (method, params) => {
    return ctx.mcpReq.send(
      { method: method as RequestMethod, ...(params === undefined ? {} : { params: { ...params } }) },
      { timeout: CLIENT_REQUEST_TIMEOUT_MS, signal: ctx.mcpReq.signal },
    );
  };
}

/** The {@link ToolContext} a pack handler sees for one tool call or prompt. */
export function toolContext(ctx: ServerContext, unit: ServingUnit, requestState: unknown): ToolContext {
  const closeStream = ctx.http?.closeSSE;
  const capabilities = clientCapabilitiesOf(ctx, unit);
  return {
    principal: principalOf(ctx.http?.authInfo),
    signal: ctx.mcpReq.signal,
    era: unit.era,
    ...(ctx.sessionId === undefined ? {} : { sessionId: ctx.sessionId }),
    ...(capabilities === undefined ? {} : { clientCapabilities: capabilities }),
    ...(ctx.mcpReq.inputResponses === undefined ? {} : { inputResponses: ctx.mcpReq.inputResponses }),
    ...(requestState === undefined ? {} : { requestState }),
    reportProgress: progressReporter(ctx),
    log: (level: LogLevel, data: unknown, logger?: string) => ctx.mcpReq.log(level, data, logger),
    notify: (method, params) => ctx.mcpReq.notify({ method, ...(params === undefined ? {} : { params: { ...params } }) }),
    request: clientRequester(ctx),
    ...(closeStream === undefined ? {} : { closeStream }),
    announce: unit.announce,
  };
}

/** The narrower context a resource read sees. */
export function readContext(ctx: ServerContext): ResourceReadContext {
  return { principal: principalOf(ctx.http?.authInfo), signal: ctx.mcpReq.signal };
}
