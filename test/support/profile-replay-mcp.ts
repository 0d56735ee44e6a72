import assert from 'node:assert/strict';
import type { ProtocolVersion } from '../../src/domain/client-profiles/index.js';
import { rpcMessages, type Http } from './profile-replay-http.js';

/**
 * The MCP half of a profile replay: the opening request with the profile's headers (Accept,
 * version header vs `_meta`, method headers), then lists, a tool call and the session behaviour,
 * each judged as the client judges it (CLIENTS.md 1.7–1.10).
 */
export interface McpState {
  /** Which era later requests speak: 2026 puts `_meta` on every request and has no sessions. */
  era: '2025' | '2026';
  sessionId: string | undefined;
  /** A session id the client ended (DELETE) but still holds. */
  staleSessionId: string | undefined;
  accessToken: string;
  nextId: number;
}

export type Kind = 'opening' | 'later';

const META_VERSION = 'io.modelcontextprotocol/protocolVersion';

function envelope(http: Http): Record<string, unknown> {
  const { opening } = http.profile.protocol;
  return {
    [META_VERSION]: opening.bodyVersion,
    'io.modelcontextprotocol/clientInfo': opening.clientInfo,
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

/** The opening request's body: `initialize` (2025) or `server/discover` with `_meta` (2026). */
export function openingBody(http: Http, id: number, method = http.profile.protocol.opening.method): Record<string, unknown> {
  const { opening } = http.profile.protocol;
  if (method === 'server/discover') return { jsonrpc: '2.0', id, method, params: { _meta: envelope(http) } };
  const version: ProtocolVersion = opening.method === 'initialize' ? opening.bodyVersion : '2025-11-25';
  return { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: opening.clientInfo } };
}

function later(state: McpState, http: Http, method: string, params: Record<string, unknown> = {}, notification = false): Record<string, unknown> {
  const withMeta = state.era === '2026' ? { ...params, _meta: envelope(http) } : params;
  return { jsonrpc: '2.0', ...(notification ? {} : { id: state.nextId++ }), method, params: withMeta };
}

/** Headers of an MCP POST as the profile sends them; `null` values are left out. */
export function mcpHeaders(http: Http, kind: Kind, rpcMethod: string, name?: string): Record<string, string | null> {
  const { protocol } = http.profile;
  const methodHeaders = protocol.opening.sendsMethodHeaders ? { 'mcp-method': rpcMethod, ...(name === undefined ? {} : { 'mcp-name': name }) } : {};
  return {
    accept: kind === 'opening' ? protocol.acceptOpening : protocol.acceptLater,
    'mcp-protocol-version': kind === 'opening' ? protocol.opening.headerVersion : protocol.laterHeaderVersion,
    ...methodHeaders,
  };
}

interface Post {
  readonly body: Record<string, unknown>;
  readonly kind: Kind;
  readonly name?: string;
  /** Leave the session id out even if the client holds one (#99). */
  readonly withoutSession?: boolean;
  readonly sessionId?: string;
}

async function post(http: Http, state: McpState, url: string, request: Post): Promise<Response> {
  const sessionId = request.sessionId ?? (request.withoutSession === true ? undefined : state.sessionId);
  return http.send(url, {
    phase: 'mcp',
    json: request.body,
    headers: {
      ...mcpHeaders(http, request.kind, String(request.body['method']), request.name),
      authorization: `Bearer ${state.accessToken}`,
      'mcp-session-id': sessionId,
    },
  });
}

/** The answer to request `id`: HTTP 200 and a JSON-RPC response with that id. */
async function answer(response: Response, id: unknown, what: string): Promise<Record<string, unknown>> {
  const message = (await rpcMessages(response, what)).find((candidate) => candidate['id'] === id);
  assert.ok(message !== undefined, `${what}: no response with id ${String(id)}`);
  return message;
}

function result(message: Record<string, unknown>, what: string): Record<string, unknown> {
  assert.ok(message['error'] === undefined, `${what}: ${JSON.stringify(message['error'])}`);
  return message['result'] as Record<string, unknown>;
}

/** `initialize` (2025): the server agrees on the version and, in sessions mode, hands out an id. */
async function initialize(http: Http, state: McpState, url: string, kind: Kind): Promise<void> {
  const body = openingBody(http, state.nextId++, 'initialize');
  const response = await post(http, state, url, { body, kind });
  const sessionId = response.headers.get('mcp-session-id') ?? undefined;
  const opened = result(await answer(response, body['id'], 'initialize'), 'initialize');
  assert.equal(opened['protocolVersion'], (body['params'] as { protocolVersion: string }).protocolVersion, 'the server agrees on the version the client asked for');
  if (http.target.sessions) assert.ok(sessionId !== undefined, 'sessions mode: initialize returns Mcp-Session-Id');
  state.era = '2025';
  state.sessionId = sessionId;
}

/** The opening request, then (Claude Code) a legacy `initialize` after a successful discover. */
export async function open(http: Http, state: McpState, url: string): Promise<void> {
  const { opening, initializeAfterDiscover } = http.profile.protocol;
  if (opening.method === 'initialize') {
    await initialize(http, state, url, 'opening');
    return;
  }
  const body = openingBody(http, state.nextId++);
  const response = await post(http, state, url, { body, kind: 'opening' });
  const discovered = result(await answer(response, body['id'], 'server/discover'), 'server/discover');
  assert.ok((discovered['supportedVersions'] as string[] | undefined)?.includes(opening.bodyVersion), `server/discover: ${JSON.stringify(discovered)}`);
  assert.equal(response.headers.get('mcp-session-id'), null, '2026-07-28 is stateless');
  state.era = '2026';
  if (initializeAfterDiscover) await initialize(http, state, url, 'later');
}

/** `notifications/initialized`: 202, and accepted without a session id (#99). */
export async function initialized(http: Http, state: McpState, url: string): Promise<void> {
  if (state.era === '2026') return;
  const withoutSession = http.profile.sessions.echoesSessionId === 'sometimes';
  const response = await post(http, state, url, { body: later(state, http, 'notifications/initialized', {}, true), kind: 'later', withoutSession });
  await response.body?.cancel();
  assert.equal(response.status, 202, `notifications/initialized${withoutSession ? ' without a session id' : ''} answered ${response.status}`);
}

/** The optional GET listen stream: an SSE stream at once, or 405 with `Allow` (#499). */
export async function listen(http: Http, state: McpState, url: string): Promise<void> {
  const version = http.profile.protocol.laterHeaderVersion;
  const response = await http.send(url, {
    phase: 'mcp',
    headers: { accept: 'text/event-stream', authorization: `Bearer ${state.accessToken}`, 'mcp-session-id': state.sessionId, 'mcp-protocol-version': version },
  });
  await response.body?.cancel();
  if (response.status === 405) {
    assert.ok(response.headers.get('allow') !== null, 'a 405 on the listen stream must carry Allow (#499)');
    return;
  }
  assert.equal(response.status, 200, `GET listen stream answered ${response.status}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
}

/** A list request; a JSON-RPC error (a capability the server lacks) is an answer too. */
export async function list(http: Http, state: McpState, url: string, method: 'tools/list' | 'prompts/list' | 'resources/list'): Promise<Record<string, unknown> | undefined> {
  const body = later(state, http, method);
  const message = await answer(await post(http, state, url, { body, kind: 'later' }), body['id'], method);
  if (message['error'] !== undefined) return undefined;
  return message['result'] as Record<string, unknown>;
}

/** DELETE after the handshake: harmless (2xx, or 405 with Allow); an ended id then answers 404. */
export async function deleteSession(http: Http, state: McpState, url: string): Promise<void> {
  const response = await http.send(url, { method: 'DELETE', phase: 'mcp', headers: { authorization: `Bearer ${state.accessToken}`, 'mcp-session-id': state.sessionId } });
  await response.body?.cancel();
  // A server MAY refuse to let clients end sessions with 405 (MCP 2025-11-25, Session Management);
  // the session then stays live, and the client carries on with it.
  if (response.status === 405) {
    assert.ok(response.headers.get('allow') !== null, 'a 405 on DELETE must carry Allow');
    return;
  }
  assert.ok([200, 202, 204].includes(response.status), `DELETE answered ${response.status}`);
  state.staleSessionId = state.sessionId;
  state.sessionId = undefined;
  if (!http.profile.sessions.keepsStaleId || state.staleSessionId === undefined) return;
  const stale = await post(http, state, url, { body: later(state, http, 'tools/list'), kind: 'later', sessionId: state.staleSessionId });
  await stale.body?.cancel();
  assert.equal(stale.status, 404, 'an ended session id answers 404, not 400 (1.10)');
}

/** A tool call; a client whose session ended opens a fresh one first (#583). */
export async function callTool(http: Http, state: McpState, url: string, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (state.staleSessionId !== undefined && state.sessionId === undefined) {
    await initialize(http, state, url, 'later');
    await initialized(http, state, url);
  }
  const body = later(state, http, 'tools/call', { name, arguments: args });
  return result(await answer(await post(http, state, url, { body, kind: 'later', name }), body['id'], `tools/call ${name}`), `tools/call ${name}`);
}
