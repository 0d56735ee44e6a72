import { SERVER_INFO_META_KEY, type CallToolResult } from '@modelcontextprotocol/server';
import type { Logger } from '../../domain/ports/logger.js';
import type { Principal } from '../../domain/principal.js';
import { isInputRequired, type ServerChange, type ToolCallResult, type ToolContext, type ToolOutcome } from '../../domain/tools/pack.js';
import type { ToolHandover } from './auth-info.js';
import { fastCallOf, fastEligible, type CallExchange, type FastCall } from './fast-call.js';
import type { CompiledTool } from './pack-catalog.js';
import { failedTool, toCallToolResult } from './pack-outcomes.js';

/**
 * A narrow fast path for the hottest request there is: a single stateless `tools/call` of a pack
 * tool. The SDK serves each such request with a fresh server, transport and web
 * `Request`/`Response`, and validates every message with zod — most of a call's CPU (bench/README.md
 * "Where the time goes"). This path validates the arguments with the validator the catalog
 * compiled once per tool, runs the handler with the {@link ToolContext} the SDK path would build,
 * and writes the same JSON-RPC answer: JSON for 2026-07-28, one SSE event for stateless 2025-11-25.
 *
 * It serves only what it can answer exactly like the SDK (fast-call.ts says which requests
 * qualify); everything else goes to the SDK unchanged. A call it started is handed to the SDK as a
 * {@link ToolHandover} — the handler keeps running and continues on the SDK's context — as soon as
 * the handler reaches for the client (a notification, a 2025 log message, a client request), when
 * it returns what this path does not vouch for (`inputRequired`, content other than text,
 * structured content to check), or, for 2025, when it outlasts half a heartbeat interval (the SDK
 * stream then carries the keep-alives).
 * @see MCP 2026-07-28 basic/transports, server/tools; MCP 2025-11-25 basic/transports
 */
export interface FastPathDeps {
  readonly tools: readonly CompiledTool[];
  readonly serverInfo: { readonly name: string; readonly version: string };
  readonly announce: (change: ServerChange) => void;
  readonly logger: Logger;
}

/** What one request brings. */
export interface FastExchange extends CallExchange {
  readonly principal: Principal;
  readonly signal: AbortSignal;
  /** The SSE keep-alive interval of the 2025 leg. */
  readonly heartbeatMs: number;
}

/** A handover the endpoint must release once the SDK has answered (ends a call the SDK never resumed). */
export interface FastHandover extends ToolHandover {
  readonly era: 'modern' | 'legacy';
  release(): void;
}

export type FastOutcome =
  /** Write `body` with status 200: `application/json`, or one `text/event-stream` event. */
  | { readonly body: string; readonly eventStream: boolean }
  /** The SDK serves the request, resuming the call when there is a handover. */
  | { readonly body?: undefined; readonly handover?: FastHandover };

export interface FastPath {
  serve(exchange: FastExchange): Promise<FastOutcome>;
}

const TO_SDK: FastOutcome = {};
const HANDOVER = Symbol('handover');

/** A call whose arguments passed the tool's input schema (with its defaults applied). */
type ValidatedCall = FastCall & { readonly validated: Record<string, unknown> };

/** Text blocks only: their wire form is exactly what the handler returned. */
const plainContent = (result: CallToolResult): boolean =>
  result.content.every((block) => block.type === 'text' && typeof block.text === 'string' && Object.keys(block).length === 2);

/** Where a handed-over call continues: the SDK's context, once the SDK path resumes the call. */
function createSdkSlot() {
  let sdk: ToolContext | undefined;
  /** Set when the SDK path ended without resuming the call. */
  let ended = false;
  let attach: ((context: ToolContext | undefined) => void) | undefined;
  let attached: Promise<ToolContext | undefined> | undefined;
  return {
    current: (): ToolContext | undefined => sdk,
    async use<T>(run: (context: ToolContext) => Promise<T>): Promise<T> {
      const context = sdk ?? (ended ? undefined : await (attached ??= new Promise((resolve) => (attach = resolve))));
      if (context === undefined) throw new Error('The call ended before it reached the client');
      return run(context);
    },
    resume(context: ToolContext): void {
      sdk = context;
      attach?.(context);
    },
    release(): void {
      ended = true;
      attach?.(sdk);
    },
  };
}

/**
 * The handler's context: it answers on its own while nothing needs the client, and asks for the
 * handover the first time something does. 2026-07-28 drops log messages of a request that set no
 * level, and no eligible request carries a progress token, so both are silent until a handover.
 */
function fastContext(call: ValidatedCall, exchange: FastExchange, deps: FastPathDeps, slot: ReturnType<typeof createSdkSlot>, wantSdk: () => void): ToolContext {
  const viaSdk = <T>(run: (context: ToolContext) => Promise<T>): Promise<T> => {
    wantSdk();
    return slot.use(run);
  };
  return {
    principal: exchange.principal,
    get signal(): AbortSignal {
      return exchange.signal;
    },
    era: call.era,
    ...(call.clientCapabilities === undefined ? {} : { clientCapabilities: call.clientCapabilities }),
    reportProgress: (progress, total, message) => slot.current()?.reportProgress(progress, total, message) ?? Promise.resolve(),
    log: (level, data, logger) =>
      slot.current() === undefined && call.era === 'modern' ? Promise.resolve() : viaSdk((c) => c.log(level, data, logger)),
    notify: (method, params) => viaSdk((c) => c.notify(method, params)),
    request: (method, params) => viaSdk((c) => c.request(method, params)),
    announce: deps.announce,
  };
}

/** Runs the handler; `first` settles with its outcome, or with {@link HANDOVER} as soon as the call must move to the SDK. */
function startCall(call: ValidatedCall, exchange: FastExchange, deps: FastPathDeps) {
  let settle!: (first: ToolOutcome | typeof HANDOVER) => void;
  const first = new Promise<ToolOutcome | typeof HANDOVER>((resolve) => (settle = resolve));
  const wantSdk = (): void => settle(HANDOVER);
  const slot = createSdkSlot();
  const context = fastContext(call, exchange, deps, slot, wantSdk);
  const outcome = (async (): Promise<ToolOutcome> => {
    try {
      return await call.tool.definition.handler(call.validated, context);
    } catch (error) {
      // The same tool error the SDK path's wrapper (pack-register.ts) answers with.
      return failedTool(deps.logger, call.tool.pack, call.tool.definition.name, error) as ToolCallResult;
    }
  })();
  void outcome.then(settle);
  const handover: FastHandover = {
    tool: call.tool.definition.name,
    era: call.era,
    resume(resumed) {
      slot.resume(resumed);
      return outcome;
    },
    release: () => slot.release(),
  };
  return { first, wantSdk, handover };
}

export function createFastPath(deps: FastPathDeps): FastPath {
  const tools = new Map(deps.tools.filter(fastEligible).map((tool) => [tool.definition.name, tool]));
  const serverMeta = { [SERVER_INFO_META_KEY]: { name: deps.serverInfo.name, version: deps.serverInfo.version } };

  /** The wire form of a finished call, or `undefined` when the SDK must produce it. */
  const answer = (call: FastCall, outcome: ToolOutcome): FastOutcome | undefined => {
    if (isInputRequired(outcome)) return undefined;
    const result = toCallToolResult(outcome);
    if (result.structuredContent !== undefined || !plainContent(result)) return undefined;
    if (call.tool.config.outputSchema !== undefined && result.isError !== true) return undefined;
    if (call.era === 'legacy') {
      return { body: `event: message\ndata: ${JSON.stringify({ result, jsonrpc: '2.0', id: call.id })}\n\n`, eventStream: true };
    }
    return { body: JSON.stringify({ result: { ...result, resultType: 'complete', _meta: serverMeta }, jsonrpc: '2.0', id: call.id }), eventStream: false };
  };

  return {
    async serve(exchange) {
      const found = fastCallOf(exchange, tools);
      if (found === undefined) return TO_SDK;
      const checked = await found.tool.config.inputSchema['~standard'].validate(found.arguments);
      // Invalid arguments: the SDK words the tool error; nothing has run yet.
      if (checked.issues !== undefined) return TO_SDK;
      const call: ValidatedCall = { ...found, validated: checked.value };
      const running = startCall(call, exchange, deps);
      const timer = call.era === 'legacy' ? setTimeout(running.wantSdk, exchange.heartbeatMs / 2) : undefined;
      const first = await running.first;
      clearTimeout(timer);
      const handover = { handover: running.handover };
      if (first === HANDOVER) return handover;
      try {
        return answer(call, first) ?? handover;
      } catch {
        // An outcome that is not a result at all: the SDK path fails on it the way it always has.
        return handover;
      }
    },
  };
}
