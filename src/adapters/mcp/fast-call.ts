import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import type { CompiledTool } from './pack-catalog.js';

/**
 * Which requests the fast path (fast-path.ts) may serve: a single `tools/call` of a known pack tool
 * whose SDK answer depends on nothing but the tool's handler —
 * - 2026-07-28: the `_meta` envelope with nothing but the protocol version, client info and client
 *   capabilities, and `Mcp-Method`/`Mcp-Name` headers that agree with the body;
 * - 2025-11-25 stateless (when Keyway keeps no sessions): no session id, no `_meta` at all.
 * Anything the SDK would reject, negotiate or stream from the start is left to it: batches,
 * notifications, other methods, sessions, other revisions, header/body disagreements (SEP-2243),
 * `x-mcp-header` tools, progress tokens, log levels, multi-round-trip retries (`inputResponses`,
 * `requestState`), tasks, and unknown fields anywhere.
 * @see MCP 2026-07-28 basic/transports ("Standard request headers"), basic "Request metadata"
 * @see MCP 2025-11-25 basic/transports
 */
export interface FastCall {
  readonly era: 'modern' | 'legacy';
  readonly id: string | number;
  readonly tool: CompiledTool;
  /** As sent (`{}` when absent, as the SDK validates it). */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** 2026-07-28 only: the envelope's declaration. */
  readonly clientCapabilities?: Readonly<Record<string, unknown>>;
}

export interface CallExchange {
  /** The `MCP-Protocol-Version` the SDK would see (after Keyway's reconciliation with `_meta`). */
  readonly protocolVersion: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  /** Whether 2025 requests are served statelessly (no sessions): only then are they eligible. */
  readonly statelessLegacy: boolean;
}

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const MESSAGE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const PARAM_KEYS = new Set(['name', 'arguments', '_meta']);
const LEGACY_PARAM_KEYS = new Set(['name', 'arguments']);
const ENVELOPE_KEYS = new Set([PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY]);
const CLIENT_INFO_KEYS = new Set(['name', 'version', 'title']);

type Fields = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

function onlyKeys(value: Fields, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

const isId = (id: unknown): id is string | number => typeof id === 'string' || Number.isSafeInteger(id);

/** `clientInfo` as the SDK's `Implementation` schema accepts it, in its plainest form. */
function plainClientInfo(info: unknown): boolean {
  return (
    isRecord(info) &&
    onlyKeys(info, CLIENT_INFO_KEYS) &&
    typeof info['name'] === 'string' &&
    typeof info['version'] === 'string' &&
    (info['title'] === undefined || typeof info['title'] === 'string')
  );
}

/** Declared capabilities, each an object (what every capability is in the schema). */
function capabilitiesOf(value: unknown): Fields | undefined {
  if (!isRecord(value)) return undefined;
  for (const key in value) if (!isRecord(value[key])) return undefined;
  return value;
}

function headerIs(headers: CallExchange['headers'], name: string, expected: string): boolean {
  return headers[name] === expected;
}

/** The params of a single `tools/call` request, when its frame is plain. */
function callParams(body: unknown): { readonly id: string | number; readonly params: Fields } | undefined {
  if (!isRecord(body) || !onlyKeys(body, MESSAGE_KEYS) || body['jsonrpc'] !== '2.0' || body['method'] !== 'tools/call') return undefined;
  const { id, params } = body;
  return isId(id) && isRecord(params) ? { id, params } : undefined;
}

function modernCall(exchange: CallExchange, id: string | number, params: Fields, tools: ReadonlyMap<string, CompiledTool>): FastCall | undefined {
  const { name, _meta: meta } = params;
  const args = params['arguments'] ?? {};
  if (!onlyKeys(params, PARAM_KEYS) || typeof name !== 'string' || !isRecord(args) || !isRecord(meta) || !onlyKeys(meta, ENVELOPE_KEYS)) return undefined;
  if (meta[PROTOCOL_VERSION_META_KEY] !== MODERN || !plainClientInfo(meta[CLIENT_INFO_META_KEY])) return undefined;
  const capabilities = capabilitiesOf(meta[CLIENT_CAPABILITIES_META_KEY]);
  if (capabilities === undefined) return undefined;
  const { headers } = exchange;
  if (!headerIs(headers, 'mcp-method', 'tools/call') || !headerIs(headers, 'mcp-name', name)) return undefined;
  const tool = tools.get(name);
  return tool === undefined ? undefined : { era: 'modern', id, tool, arguments: args, clientCapabilities: capabilities };
}

function legacyCall(id: string | number, params: Fields, tools: ReadonlyMap<string, CompiledTool>): FastCall | undefined {
  const { name } = params;
  const args = params['arguments'] ?? {};
  if (!onlyKeys(params, LEGACY_PARAM_KEYS) || typeof name !== 'string' || !isRecord(args)) return undefined;
  const tool = tools.get(name);
  return tool === undefined ? undefined : { era: 'legacy', id, tool, arguments: args };
}

/** The fast call `exchange` carries, or `undefined` when the SDK must serve it; `tools` holds the {@link fastEligible} ones. */
export function fastCallOf(exchange: CallExchange, tools: ReadonlyMap<string, CompiledTool>): FastCall | undefined {
  if (exchange.headers['mcp-session-id'] !== undefined) return undefined;
  const call = callParams(exchange.body);
  if (call === undefined) return undefined;
  if (exchange.protocolVersion === MODERN) return modernCall(exchange, call.id, call.params, tools);
  if (exchange.protocolVersion === LEGACY && exchange.statelessLegacy) return legacyCall(call.id, call.params, tools);
  return undefined;
}

/**
 * Whether calls of `tool` may take the fast path: a tool that declares SEP-2243 `x-mcp-header`
 * parameters has them checked against their headers by the SDK.
 */
export function fastEligible(tool: CompiledTool): boolean {
  return !JSON.stringify(tool.definition.inputSchema).includes('"x-mcp-header"');
}
