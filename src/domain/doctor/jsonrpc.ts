import type { ClientProfile } from '../client-profiles/types.js';
import type { ProbeResponse } from '../ports/probe.js';

/** JSON-RPC messages as the profile's client writes them, and reading one answer back. */

/** The `_meta` keys of MCP 2026-07-28 (the version, client info and capabilities travel per request). */
const META = {
  version: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  capabilities: 'io.modelcontextprotocol/clientCapabilities',
} as const;

export const MODERN_VERSION = '2026-07-28';
export const LEGACY_VERSION = '2025-11-25';

const clientInfo = (profile: ClientProfile) => profile.protocol.opening.clientInfo;

export function initializeMessage(profile: ClientProfile, id: number, version = LEGACY_VERSION): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: clientInfo(profile) } });
}

export function modernMessage(profile: ClientProfile, id: number, method: string, params: Record<string, unknown> = {}): string {
  const meta = { [META.version]: MODERN_VERSION, [META.clientInfo]: clientInfo(profile), [META.capabilities]: {} };
  return JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } });
}

export function legacyMessage(id: number | undefined, method: string, params?: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method, ...(params === undefined ? {} : { params }) });
}

/** The profile's opening request body: `initialize` or `server/discover`. */
export function openingMessage(profile: ClientProfile, id: number): string {
  const { opening } = profile.protocol;
  return opening.method === 'initialize' ? initializeMessage(profile, id, opening.bodyVersion) : modernMessage(profile, id, 'server/discover');
}

export interface RpcAnswer {
  readonly result?: Readonly<Record<string, unknown>>;
  readonly error?: { readonly code: number; readonly message: string };
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

export function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** The answer to request `id` in a JSON body or in the `data:` lines of an SSE body. */
export function readAnswer(response: ProbeResponse, id: number): RpcAnswer | undefined {
  const isStream = (response.headers['content-type'] ?? '').startsWith('text/event-stream');
  const candidates = isStream
    ? response.body.split(/\r?\n\r?\n/).map((event) => event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n'))
    : [response.body];
  for (const text of candidates) {
    const answer = messageAnswer(text, id);
    if (answer !== undefined) return answer;
  }
  return undefined;
}

/** The answer to request `id` when `text` is that JSON-RPC response (an SSE `message` event's data, say). */
export function messageAnswer(text: string, id: number): RpcAnswer | undefined {
  const message = parseJson(text);
  if (message === undefined || message['id'] !== id) return undefined;
  const error = asRecord(message['error']);
  if (error !== undefined) return { error: { code: typeof error['code'] === 'number' ? error['code'] : 0, message: typeof error['message'] === 'string' ? error['message'] : '' } };
  return { result: asRecord(message['result']) ?? {} };
}

/** `-32601 Method not found`, or the status with the body's start: for causes. */
export function describeAnswer(response: ProbeResponse, answer: RpcAnswer | undefined): string {
  if (answer?.error !== undefined) return `${response.status}, JSON-RPC error ${answer.error.code} ${answer.error.message}`.trim();
  if (answer?.result !== undefined) return `${response.status} with a result`;
  const type = response.headers['content-type'];
  return `${response.status}${type === undefined ? '' : ` ${type.split(';')[0] ?? ''}`}${response.body === '' ? '' : `: ${response.body.slice(0, 120)}`}`;
}

export { asRecord };
