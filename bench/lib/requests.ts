import type { WrkRequest } from './wrk.js';

/**
 * The request shapes the scenarios send: one `tools/call` of a trivial tool, as a 2026-07-28
 * client (the `_meta` envelope plus `Mcp-Method`/`Mcp-Name`), and as a stateless 2025-11-25 client.
 * @see MCP 2026-07-28 basic/transports; MCP 2025-11-25 basic/transports
 */
export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';
const SPEC_ACCEPT = 'application/json, text/event-stream';
export const MESSAGE = 'hello from the benchmark';

function envelope(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'keyway-bench', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

function headers(version: string, token: string | undefined, extra: Record<string, string>): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    Accept: SPEC_ACCEPT,
    'MCP-Protocol-Version': version,
    ...extra,
    ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
  };
}

/** 2026-07-28 `tools/call` of `echo`; the SDK's `auto` mode answers it with one JSON body. */
export function modernEcho(token?: string, path = '/mcp'): WrkRequest {
  const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: MESSAGE }, _meta: envelope() } };
  return { path, body: JSON.stringify(body), headers: headers(MODERN, token, { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' }) };
}

/**
 * 2026-07-28 answered as SSE. The response mode is the server's choice (`responseMode: 'auto'`),
 * not the client's: a response upgrades to a stream only when the handler sends a related message
 * before its result. A one-step `count_slowly` with a progress token does exactly that (one
 * progress event, a 0 ms pause — at least one timer tick — and the result).
 */
export function modernSse(token?: string, path = '/mcp'): WrkRequest {
  const body = {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'count_slowly', arguments: { steps: 1, interval_ms: 0 }, _meta: envelope({ progressToken: 1 }) },
  };
  return { path, body: JSON.stringify(body), headers: headers(MODERN, token, { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'count_slowly' }) };
}

/** Stateless 2025-11-25 `tools/call` of `echo` (no `initialize` first, as stateless clients do). */
export function legacyEcho(token?: string, path = '/mcp'): WrkRequest {
  const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: MESSAGE } } };
  return { path, body: JSON.stringify(body), headers: headers(LEGACY, token, {}) };
}
