import { randomBytes } from 'node:crypto';
import {
  createRequestStateCodec,
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type GetPromptResult,
  type InputRequests,
  type InputRequiredResult as SdkInputRequiredResult,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { Logger } from '../../domain/ports/logger.js';
import type { InputRequiredResult, PromptResult, ToolCallResult } from '../../domain/tools/pack.js';
import { principalOf } from './auth-info.js';

/**
 * Turning what pack handlers return into SDK results: multi-round-trip state sealing, and the one
 * place handler failures become safe wire answers.
 */

/** What Keyway seals into `requestState`: the handler's own state, tied to the tool or prompt that made it. */
interface SealedState {
  readonly target: string;
  readonly state: unknown;
}

export interface StateSeal {
  /** The hook for `ServerOptions.requestState.verify`: refuses forged, expired or foreign state with -32602. */
  readonly verify: (state: string, ctx: ServerContext) => Promise<unknown>;
  /** Converts a handler's `inputRequired` into the SDK's result, sealing its state. */
  toInputRequired(outcome: InputRequiredResult, target: string, ctx: ServerContext): Promise<SdkInputRequiredResult>;
  /** The handler state this round carries (verified by `verify`), or `undefined` on a first round. */
  open(target: string, ctx: ServerContext): unknown;
}

/**
 * `requestState` round-trips through the client, so it is HMAC-sealed with a per-process key, bound
 * to the method and the caller, and carries the name of the tool or prompt that minted it, so state
 * from one handler cannot be replayed into another. A per-process key is enough because the
 * 2026-07-28 rounds of one flow reach the same process; behind several instances, the key
 * would have to be shared.
 * @see MCP 2026-07-28 basic/patterns/mrtr, server requirements 4–5 (integrity MUST)
 */
export function createStateSeal(): StateSeal {
  const codec = createRequestStateCodec<SealedState>({
    key: randomBytes(32),
    bind: (ctx) => `${ctx.mcpReq.method}\0${principalOf(ctx.http?.authInfo).subject}`,
  });
  return {
    verify: (state, ctx) => codec.verify(state, ctx),
    async toInputRequired(outcome, target, ctx) {
      const { inputRequests, requestState } = outcome.inputRequired;
      const requests = Object.keys(inputRequests).length > 0 ? { inputRequests: inputRequests as unknown as InputRequests } : {};
      if (requestState === undefined) return inputRequired(requests);
      return inputRequired({ ...requests, requestState: await codec.mint({ target, state: requestState }, ctx) });
    },
    open(target, ctx) {
      const sealed = ctx.mcpReq.requestState<SealedState>();
      if (sealed === undefined) return undefined;
      if (sealed.target !== target) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState', { reason: 'invalid_request_state' });
      return sealed.state;
    },
  };
}

export function toCallToolResult(result: ToolCallResult): CallToolResult {
  return {
    content: result.content.map((block) => ({ ...block })) as CallToolResult['content'],
    ...(result.structuredContent === undefined ? {} : { structuredContent: { ...result.structuredContent } }),
    ...(result.isError === undefined ? {} : { isError: result.isError }),
  };
}

export function toGetPromptResult(result: PromptResult): GetPromptResult {
  return {
    ...(result.description === undefined ? {} : { description: result.description }),
    messages: result.messages.map((message) => ({ role: message.role, content: { ...message.content } })) as GetPromptResult['messages'],
  };
}

function errorFields(error: unknown): Record<string, unknown> {
  return error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
}

/**
 * A handler threw: the model gets a tool error it can read (not a protocol error), without the
 * exception's text, which may carry internals; the operator gets everything in the log.
 * @see MCP 2025-11-25 server/tools "Error Handling"
 */
export function failedTool(logger: Logger, pack: string, tool: string, error: unknown): CallToolResult {
  logger.error('mcp.tool_failed', { pack, tool, ...errorFields(error) });
  return { content: [{ type: 'text', text: `The tool "${tool}" failed unexpectedly; the server logged the details.` }], isError: true };
}

/** A prompt or resource handler threw: a generic JSON-RPC internal error, details only in the log. */
export function failedRead(logger: Logger, event: string, fields: Record<string, unknown>, error: unknown): ProtocolError {
  logger.error(event, { ...fields, ...errorFields(error) });
  return new ProtocolError(ProtocolErrorCode.InternalError, 'Internal error: the server logged the details');
}
