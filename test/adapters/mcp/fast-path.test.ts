import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { LOG_LEVEL_META_KEY, type McpRequestContext } from '@modelcontextprotocol/server';
import { createLifecycle } from '../../../src/adapters/http/lifecycle.js';
import { createJsonLogger } from '../../../src/adapters/logging/json-logger.js';
import type { FastPath } from '../../../src/adapters/mcp/fast-path.js';
import { createServerFactory, type PackServerFactory } from '../../../src/adapters/mcp/server-factory.js';
import { createStatelessLegacy } from '../../../src/adapters/mcp/stateless-legacy.js';
import { createStreamableEndpoint } from '../../../src/adapters/mcp/streamable-endpoint.js';
import type { Principal } from '../../../src/domain/principal.js';
import { diagnosticsPack } from '../../../src/domain/tools/diagnostics/pack.js';
import type { Pack, ToolDefinition, ToolOutcome } from '../../../src/domain/tools/pack.js';
import { conformancePack } from '../../fixtures/conformance-pack.js';
import { startHttpApp } from '../../support/http-app.js';
import { createSequenceRandom } from '../../support/sequence-random.js';

/**
 * The 2026-07-28 `tools/call` fast path (fast-path.ts) against the SDK path it shortcuts: every
 * request goes to two endpoints built from one factory, one with the fast path and one without,
 * and the answers must agree — status, media type, `Mcp-*` headers and the parsed JSON-RPC body
 * (every event of an SSE answer). A counting wrapper tells which requests the fast path answered
 * itself.
 */
const ALICE: Principal = { subject: 'github:1', clientId: 'claude', scopes: ['mcp'], name: 'Alice' };
const MODERN = '2026-07-28';
const SPEC_ACCEPT = 'application/json, text/event-stream';

const NO_ARGS = { type: 'object', properties: {} } as const;
const tool = (name: string, handler: ToolDefinition['handler'], extra: Partial<ToolDefinition> = {}): ToolDefinition => ({
  name,
  description: `${name} for tests`,
  inputSchema: NO_ARGS,
  handler,
  ...extra,
});

/** How many times `notifies` ran. */
let notifierRuns = 0;
/** Lets the running `held` call finish; called when an SDK server is built. */
let releaseHeld: (() => void) | undefined;

/** Results and behaviours the fast path must hand to the SDK rather than answer itself. */
const oddPack: Pack = {
  name: 'odd',
  tools: [
    tool('notifies', async (_args, context) => {
      notifierRuns += 1;
      // Two at once: both wait for the handover, and both reach the client, in order.
      await Promise.all([
        context.notify('notifications/message', { level: 'info', data: 'first' }),
        context.notify('notifications/message', { level: 'info', data: 'second' }),
      ]);
      return { content: [{ type: 'text', text: 'after a notification' }] };
    }),
    tool('unschema_structured', async () => ({ content: [{ type: 'text', text: '{}' }], structuredContent: { a: 1 } })),
    tool('bad_output', async () => ({ content: [{ type: 'text', text: 'x' }], structuredContent: { n: 'not a number' } }), {
      outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
    }),
    tool('no_structured', async () => ({ content: [{ type: 'text', text: 'x' }] }), {
      outputSchema: { type: 'object', properties: { n: { type: 'number' } } },
    }),
    tool('soft_error', async () => ({ content: [{ type: 'text', text: 'nope' }], isError: true }), {
      outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
    }),
    tool('held', async () => {
      await new Promise<void>((resolve) => (releaseHeld = resolve));
      return { content: [{ type: 'text', text: 'released' }] };
    }),
    tool('returns_nothing', async () => undefined as unknown as ToolOutcome),
    tool('bad_block', async () => ({ content: [{ type: 'text', text: 'x', extra: true }] })),
    tool('param_header', async (args) => ({ content: [{ type: 'text', text: String(args['region']) }] }), {
      inputSchema: { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } },
    }),
  ],
};

interface Served {
  readonly origin: string;
  /** Calls the fast path answered itself so far. */
  readonly answered: () => number;
}

/** The factory, with its fast path counting the calls it answered itself. */
function counting(factory: PackServerFactory): PackServerFactory & { readonly answered: () => number } {
  let answered = 0;
  const fastPath: FastPath = {
    async serve(exchange) {
      const outcome = await factory.fastPath.serve(exchange);
      if (outcome.body !== undefined) answered += 1;
      return outcome;
    },
  };
  const build = (context: McpRequestContext) => {
    releaseHeld?.();
    return factory(context);
  };
  return Object.assign(build, { bus: factory.bus, fastPath, answered: () => answered });
}

async function serveBoth(t: TestContext, heartbeatMs = 60_000): Promise<Served> {
  const logger = createJsonLogger('error', () => undefined);
  const factory = counting(createServerFactory({ packs: [diagnosticsPack, conformancePack, oddPack], name: 'keyway-test', version: '1', logger }));
  const endpoint = (fastPath: boolean) =>
    createStreamableEndpoint({
      factory,
      fastPath,
      bus: factory.bus,
      legacy: createStatelessLegacy({ factory, random: createSequenceRandom(), heartbeatMs, maxBodyBytes: 1_000_000, logger }),
      openLegacyStream: async () => undefined,
      lifecycle: createLifecycle(),
      maxBodyBytes: 1_000_000,
      heartbeatMs,
      publicUrl: new URL('http://127.0.0.1'),
      logger,
    });
  const fast = endpoint(true);
  const sdk = endpoint(false);
  t.after(() => Promise.all([fast.close(), sdk.close()]));
  const app = await startHttpApp(t, [
    { method: 'POST', path: '/fast', handler: fast.post, mcp: true },
    { method: 'POST', path: '/sdk', handler: sdk.post, mcp: true },
  ], { gate: async () => ALICE });
  return { origin: app.origin, answered: factory.answered };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly messages: unknown[];
}

/** Sealed `requestState` carries an expiry and a MAC: equal in shape, not in bytes. */
const comparable = (text: string): unknown => JSON.parse(text.replace(/"v1\.[\w.-]+"/g, '"<sealed>"'));

async function answer(origin: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(new URL(path, origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: SPEC_ACCEPT, ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const kept = [...response.headers].filter(([name]) => name === 'content-type' || name.startsWith('mcp-'));
  const messages = type.startsWith('text/event-stream')
    ? text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => comparable(line.slice(6)))
    : text === '' ? [] : [comparable(text)];
  return { status: response.status, headers: Object.fromEntries(kept), messages };
}

const envelope = (extra: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'differential', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
  ...extra,
});

const call = (name: string, args: Record<string, unknown> | undefined, meta: Record<string, unknown> = {}, id: string | number = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, ...(args === undefined ? {} : { arguments: args }), _meta: envelope(meta) },
});

const modernHeaders = (name: string): Record<string, string> => ({ 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name });

/** [label, body, headers, answered by the fast path itself?] */
type Case = readonly [string, unknown, Record<string, string>, boolean];

const legacyCall = (name: string, args: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 3,
  method: 'tools/call',
  params: { name, ...(args === undefined ? {} : { arguments: args }), ...extra },
});
const LEGACY = { 'mcp-protocol-version': '2025-11-25' };

const CASES: readonly Case[] = [
  ['echo', call('echo', { message: 'hi' }), modernHeaders('echo'), true],
  ['string id, no arguments', call('test_simple_text', undefined, {}, 'abc'), modernHeaders('test_simple_text'), true],
  ['a handler that throws', call('test_error_handling', {}), modernHeaders('test_error_handling'), true],
  ['id 0', call('echo', { message: 'hi' }, {}, 0), modernHeaders('echo'), true],
  ['an empty string id', call('echo', { message: 'hi' }, {}, ''), modernHeaders('echo'), true],
  ['empty client info', call('echo', { message: 'hi' }, { 'io.modelcontextprotocol/clientInfo': { name: '', version: '' } }), modernHeaders('echo'), true],
  ['nested capabilities', call('echo', { message: 'hi' }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} }, roots: {} } }), modernHeaders('echo'), true],
  ['a fractional id', call('echo', { message: 'hi' }, {}, 1.5), modernHeaders('echo'), false],
  ['client info without a version', call('echo', { message: 'hi' }, { 'io.modelcontextprotocol/clientInfo': { name: 'x' } }), modernHeaders('echo'), false],
  ['a capability that is not an object', call('echo', { message: 'hi' }, { 'io.modelcontextprotocol/clientCapabilities': { roots: true } }), modernHeaders('echo'), false],
  ['arguments that are not an object', call('echo', ['hi'] as unknown as Record<string, unknown>), modernHeaders('echo'), false],
  ['an isError result with an outputSchema', call('soft_error', {}), modernHeaders('soft_error'), true],
  ['logs without a log level', call('test_tool_with_logging', {}), modernHeaders('test_tool_with_logging'), true],
  ['header names 2025-11-25, _meta wins (Keyway reconciles)', call('echo', { message: 'hi' }), { ...modernHeaders('echo'), 'mcp-protocol-version': '2025-11-25' }, true],
  ['structured content checked against outputSchema', call('whoami', {}), modernHeaders('whoami'), false],
  ['a 2025-style client request', call('test_elicitation', { message: 'hi' }), modernHeaders('test_elicitation'), false],
  ['invalid arguments', call('echo', {}), modernHeaders('echo'), false],
  ['unknown tool', call('nope', {}), modernHeaders('nope'), false],
  ['Mcp-Name disagrees', call('echo', { message: 'hi' }), { ...modernHeaders('echo'), 'mcp-name': 'whoami' }, false],
  ['Mcp-Method missing', call('echo', { message: 'hi' }), { 'mcp-protocol-version': MODERN, 'mcp-name': 'echo' }, false],
  ['progress token', call('count_slowly', { steps: 1, interval_ms: 0 }, { progressToken: 'p' }), modernHeaders('count_slowly'), false],
  ['log level', call('test_tool_with_logging', {}, { [LOG_LEVEL_META_KEY]: 'info' }), modernHeaders('test_tool_with_logging'), false],
  ['unknown _meta key', call('echo', { message: 'hi' }, { 'example.com/x': 1 }), modernHeaders('echo'), false],
  ['input required', call('test_input_required_result_capabilities', {}), modernHeaders('test_input_required_result_capabilities'), false],
  ['input required with state', call('test_input_required_result_request_state', {}), modernHeaders('test_input_required_result_request_state'), false],
  ['a notification before the result', call('notifies', {}), modernHeaders('notifies'), false],
  ['image content', call('test_image_content', {}), modernHeaders('test_image_content'), false],
  ['structured content without outputSchema', call('unschema_structured', {}), modernHeaders('unschema_structured'), false],
  ['structured content the outputSchema refuses', call('bad_output', {}), modernHeaders('bad_output'), false],
  ['no structured content for an outputSchema', call('no_structured', {}), modernHeaders('no_structured'), false],
  ['a handler that returns nothing', call('returns_nothing', {}), modernHeaders('returns_nothing'), false],
  ['a content block with an unknown field', call('bad_block', {}), modernHeaders('bad_block'), false],
  ['x-mcp-header parameters', call('param_header', { region: 'eu' }), { ...modernHeaders('param_header'), 'mcp-param-region': 'eu' }, false],
  ['tools/list', { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: envelope() } }, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' }, false],
  ['a batch', [call('echo', { message: 'hi' })], modernHeaders('echo'), false],
  ['2025: echo', legacyCall('echo', { message: 'hi' }), LEGACY, true],
  ['2025: no arguments', legacyCall('test_simple_text', undefined), LEGACY, true],
  ['2025: a handler that throws', legacyCall('test_error_handling', {}), LEGACY, true],
  ['2025: no capabilities for input required', legacyCall('test_input_required_result_capabilities', {}), LEGACY, true],
  ['2025: log messages', legacyCall('test_tool_with_logging', {}), LEGACY, false],
  ['2025: a notification', legacyCall('notifies', {}), LEGACY, false],
  ['2025: input required', legacyCall('test_input_required_result_request_state', {}), LEGACY, false],
  ['2025: structured content', legacyCall('whoami', {}), LEGACY, false],
  ['2025: invalid arguments', legacyCall('echo', {}), LEGACY, false],
  ['2025: unknown tool', legacyCall('nope', {}), LEGACY, false],
  ['2025: progress token', legacyCall('test_tool_with_progress', {}, { _meta: { progressToken: 't' } }), LEGACY, false],
  ['2025-06-18', legacyCall('echo', { message: 'hi' }), { 'mcp-protocol-version': '2025-06-18' }, false],
  ['2025 with a session id', legacyCall('echo', { message: 'hi' }), { ...LEGACY, 'mcp-session-id': 'nope' }, false],
];

describe('the 2026-07-28 tools/call fast path', () => {
  test('answers every request exactly as the SDK path does, and serves only the plain calls itself', async (t) => {
    const served = await serveBoth(t);
    for (const [label, body, headers, fast] of CASES) {
      const before = served.answered();
      const viaFast = await answer(served.origin, '/fast', body, headers);
      const answered = served.answered() - before;
      const viaSdk = await answer(served.origin, '/sdk', body, headers);
      assert.deepEqual(viaFast, viaSdk, label);
      assert.ok(viaFast.messages.length > 0, `${label}: an answer`);
      assert.equal(answered === 1, fast, `${label}: ${fast ? 'served on the fast path' : 'served by the SDK'}`);
    }
  });

  test('a call handed over after its handler ran is answered from what it did, not run again', async (t) => {
    const served = await serveBoth(t);
    const runs = notifierRuns;
    const handed = await answer(served.origin, '/fast', call('notifies', {}), modernHeaders('notifies'));
    assert.equal(handed.headers['content-type'], 'text/event-stream');
    assert.deepEqual(
      handed.messages.map((message) => (message as { params?: { data?: string } }).params?.data ?? 'result'),
      ['first', 'second', 'result'],
    );
    assert.equal(notifierRuns - runs, 1);
  });

  test('a 2025 call that outlasts half a heartbeat is answered on the SDK\'s stream (where keep-alives can flow), not by the fast path', { timeout: 10_000 }, async (t) => {
    const served = await serveBoth(t, 20);
    const handed = await answer(served.origin, '/fast', legacyCall('held', {}), LEGACY);
    assert.equal(handed.headers['content-type'], 'text/event-stream');
    assert.deepEqual(handed.messages, [{ result: { content: [{ type: 'text', text: 'released' }] }, jsonrpc: '2.0', id: 3 }]);
    assert.equal(served.answered(), 0);
  });
});
