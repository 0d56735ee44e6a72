import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { Client, StreamableHTTPClientTransport, type ClientCapabilities } from '@modelcontextprotocol/client';
import { createMcpHandler, WebStandardStreamableHTTPServerTransport, type McpHttpHandler, type McpServer } from '@modelcontextprotocol/server';
import { toAuthInfo } from '../../../src/adapters/mcp/auth-info.js';
import { createServerFactory, type PackServerFactory } from '../../../src/adapters/mcp/server-factory.js';
import type { LogFields, Logger } from '../../../src/domain/ports/logger.js';
import type { Principal } from '../../../src/domain/principal.js';
import type { Pack, ToolContext, ToolDefinition, ToolOutcome } from '../../../src/domain/tools/pack.js';

/**
 * The pack → SDK server mapping, exercised through real v2 clients: 2026-07-28 through the SDK's
 * `createMcpHandler` (the client's fetch calls the handler directly), and 2025 sessions through a
 * session transport, as Keyway serves them.
 */

interface LoggedEvent {
  readonly level: string;
  readonly event: string;
  readonly fields: LogFields;
}

function recordingLogger(events: LoggedEvent[] = []): Logger & { readonly events: LoggedEvent[] } {
  const write = (level: string) => (event: string, fields: LogFields = {}) => void events.push({ level, event, fields });
  return { events, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), child: () => recordingLogger(events) };
}

const text = (value: string): ToolOutcome => ({ content: [{ type: 'text', text: value }] });
const NO_ARGS = { type: 'object', properties: {} } as const;

function tool(name: string, handler: ToolDefinition['handler'], inputSchema: ToolDefinition['inputSchema'] = NO_ARGS): ToolDefinition {
  return { name, description: `${name} for tests`, inputSchema, handler };
}

function factoryOf(packs: readonly Pack[], logger: Logger = recordingLogger()): PackServerFactory {
  return createServerFactory({ packs, name: 'keyway-test', version: '0.0.1', logger });
}

const ALICE: Principal = { subject: 'github:1', clientId: 'claude', scopes: ['mcp'], name: 'Alice' };
const MODERN = { mode: { pin: '2026-07-28' } } as const;

interface ClientOptions {
  readonly principal?: Principal;
  readonly capabilities?: ClientCapabilities;
  readonly setup?: (client: Client) => void;
}

/** A 2026-07-28 client talking to `createMcpHandler(factory)`, sharing the factory's change bus. */
async function modernClient(t: TestContext, factory: PackServerFactory, options: ClientOptions = {}): Promise<Client> {
  const handler = createMcpHandler(factory, { bus: factory.bus });
  const authInfo = options.principal === undefined ? undefined : toAuthInfo(options.principal);
  const transport = new StreamableHTTPClientTransport(new URL('http://keyway.test/mcp'), {
    fetch: (input, init) => handler.fetch(new Request(input, init), authInfo === undefined ? undefined : { authInfo }),
  });
  const client = new Client({ name: 'modern-test', version: '1' }, { capabilities: options.capabilities ?? {}, versionNegotiation: MODERN });
  options.setup?.(client);
  await client.connect(transport);
  t.after(async () => {
    await client.close();
    await handler.close();
  });
  return client;
}

/** A 2025 client on a session of its own (one server instance for the session's lifetime). */
async function sessionClient(t: TestContext, factory: PackServerFactory, options: ClientOptions = {}): Promise<{ client: Client; server: McpServer }> {
  const server = (await factory({ era: 'legacy' })) as McpServer;
  const serverTransport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
  await server.connect(serverTransport);
  const authInfo = toAuthInfo(options.principal ?? ALICE);
  const transport = new StreamableHTTPClientTransport(new URL('http://keyway.test/mcp'), {
    fetch: (input, init) => serverTransport.handleRequest(new Request(input, init), { authInfo }),
  });
  const client = new Client({ name: 'session-test', version: '1' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  await client.connect(transport);
  t.after(async () => {
    await client.close();
    await server.close();
  });
  return { client, server };
}

/** Resolves with the params of the first notification `method` the client receives. */
function nextNotification(client: Client, method: 'notifications/tools/list_changed' | 'notifications/resources/updated'): Promise<unknown> {
  return new Promise((resolve) => client.setNotificationHandler(method, (notification) => resolve(notification.params)));
}

const firstText = (result: { content: unknown }): string => {
  const [block] = result.content as Array<{ type: string; text?: string }>;
  assert.equal(block?.type, 'text');
  return block.text ?? '';
};

/** A hand-built 2026-07-28 `tools/call`, for what a well-behaved client would never send. */
function rawToolCall(handler: McpHttpHandler, params: { name: string } & Record<string, unknown>): Promise<Response> {
  return handler.fetch(
    new Request('http://keyway.test/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': params.name,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }),
    }),
  );
}

function envelope(capabilities: Record<string, unknown>): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  };
}

describe('createServerFactory: tools', () => {
  test('lists every pack’s tools with their JSON Schemas exactly as written', async (t) => {
    const rich = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { point: { type: 'object', properties: { x: { type: 'number' } } } },
      properties: { at: { $ref: '#/$defs/point' } },
      additionalProperties: false,
    } as const;
    const factory = factoryOf([
      { name: 'one', tools: [tool('alpha', async () => text('a'), rich)] },
      { name: 'two', tools: [{ ...tool('beta', async () => text('b')), title: 'Beta', annotations: { readOnlyHint: true } }] },
    ]);
    const client = await modernClient(t, factory);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((listed) => listed.name), ['alpha', 'beta']);
    assert.deepEqual(tools[0]?.inputSchema, rich);
    assert.equal(tools[1]?.title, 'Beta');
    assert.deepEqual(tools[1]?.annotations, { readOnlyHint: true });
  });

  test('a call reaches the handler with its arguments, the caller’s principal and the era', async (t) => {
    const seen: ToolContext[] = [];
    const echo = tool(
      'who',
      async (args, context) => {
        seen.push(context);
        return text(`${context.principal.subject}:${String(args['word'])}`);
      },
      { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
    );
    const factory = factoryOf([{ name: 'p', tools: [echo] }]);
    const signedIn = await modernClient(t, factory, { principal: ALICE });
    assert.equal(firstText(await signedIn.callTool({ name: 'who', arguments: { word: 'hi' } })), 'github:1:hi');
    const anonymous = await modernClient(t, factory);
    assert.equal(firstText(await anonymous.callTool({ name: 'who', arguments: { word: 'yo' } })), 'anonymous:yo');
    assert.equal(seen[0]?.era, 'modern');
    assert.equal(seen[0]?.sessionId, undefined);
    assert.equal(typeof seen[0]?.announce, 'function');
  });

  test('arguments that break the input schema never reach the handler', async (t) => {
    let calls = 0;
    const strict = tool(
      'strict',
      async () => {
        calls += 1;
        return text('ran');
      },
      { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
    );
    const client = await modernClient(t, factoryOf([{ name: 'p', tools: [strict] }]));
    const result = await client.callTool({ name: 'strict', arguments: { n: 'not a number' } });
    assert.equal(result.isError, true);
    assert.equal(calls, 0);
  });

  test('a throwing handler becomes a tool error that hides the exception, and the error is logged', async (t) => {
    const logger = recordingLogger();
    const boom = tool('boom', async () => {
      throw new Error('db password is hunter2');
    });
    const client = await modernClient(t, factoryOf([{ name: 'fragile', tools: [boom] }], logger));
    const result = await client.callTool({ name: 'boom', arguments: {} });
    assert.equal(result.isError, true);
    assert.doesNotMatch(firstText(result), /hunter2/);
    assert.match(firstText(result), /boom/);
    const logged = logger.events.find((entry) => entry.event === 'mcp.tool_failed');
    assert.equal(logged?.level, 'error');
    assert.equal(logged?.fields['pack'], 'fragile');
    assert.equal(logged?.fields['tool'], 'boom');
    assert.equal(logged?.fields['error'], 'db password is hunter2');
  });

  test('names defined twice stop start-up with an error naming the packs and the name', () => {
    const echo = tool('echo', async () => text('x'));
    assert.throws(() => factoryOf([{ name: 'first', tools: [echo] }, { name: 'second', tools: [echo] }]), {
      name: 'DomainError',
      message: 'duplicate tool "echo": packs "first" and "second" both define it',
    });
    assert.throws(() => factoryOf([{ name: 'solo', tools: [echo, echo] }]), { message: 'duplicate tool "echo": pack "solo" defines it twice' });
    const prompt = { name: 'greet', get: async () => ({ messages: [] }) };
    assert.throws(() => factoryOf([{ name: 'a', prompts: [prompt] }, { name: 'b', prompts: [prompt] }]), /duplicate prompt "greet": packs "a" and "b"/);
  });

  test('a schema that does not compile stops start-up naming the pack and the tool', () => {
    const broken = tool('broken', async () => text('x'), { type: 'object', properties: { a: { type: 'no-such-type' } } });
    assert.throws(() => factoryOf([{ name: 'p', tools: [broken] }]), /pack "p", tool "broken", inputSchema: the JSON Schema does not compile/);
  });
});

describe('createServerFactory: notifications and client requests within a call', () => {
  const counting = tool('count', async (_args, context) => {
    for (const step of [1, 2, 3]) await context.reportProgress(step, 3, `step ${step}`);
    return text('counted');
  });

  test('progress reaches the client that asked for it with a token', async (t) => {
    const client = await modernClient(t, factoryOf([{ name: 'p', tools: [counting] }]));
    const progress: number[] = [];
    await client.callTool({ name: 'count', arguments: {} }, { onprogress: (update) => progress.push(update.progress) });
    assert.deepEqual(progress, [1, 2, 3]);
  });

  test('without a progress token nothing but the result is sent', async (t) => {
    const handler = createMcpHandler(factoryOf([{ name: 'p', tools: [counting] }]));
    t.after(() => handler.close());
    const response = await rawToolCall(handler, { name: 'count', arguments: {}, _meta: envelope({}) });
    // In the SDK's `auto` mode any message before the result upgrades the answer to SSE.
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = (await response.json()) as { result: { content: Array<{ text: string }> } };
    assert.equal(body.result.content[0]?.text, 'counted');
  });

  test('2025 session: request() reaches the client on the call, and log() honours the level the client set', async (t) => {
    const asking = tool('ask', async (_args, context) => {
      await context.log('info', 'too chatty');
      await context.log('error', 'worth knowing');
      const answer = await context.request('elicitation/create', {
        message: 'Your name?',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      });
      return text(`${String(answer['action'])}:${JSON.stringify(answer['content'])}:${context.era}:${context.sessionId === undefined ? 'none' : 'session'}`);
    });
    const logs: unknown[] = [];
    const { client } = await sessionClient(t, factoryOf([{ name: 'p', tools: [asking] }]), {
      capabilities: { elicitation: { form: {} } },
      setup: (c) => {
        c.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada' } }));
        c.setNotificationHandler('notifications/message', (notification) => void logs.push(notification.params.data));
      },
    });
    await client.setLoggingLevel('warning');
    const result = await client.callTool({ name: 'ask', arguments: {} });
    assert.equal(firstText(result), 'accept:{"name":"Ada"}:legacy:session');
    assert.deepEqual(logs, ['worth knowing']);
  });
});

/** A tool that asks for a confirmation in one round and keeps state across it. */
const confirming = tool('confirm', async (_args, context) => {
  const response = context.inputResponses?.['ok'] as { action?: string } | undefined;
  if (response?.action !== 'accept') {
    return {
      inputRequired: {
        inputRequests: {
          ok: { method: 'elicitation/create', params: { mode: 'form', message: 'Sure?', requestedSchema: { type: 'object', properties: {} } } },
        },
        requestState: { round: 1, by: context.principal.subject },
      },
    };
  }
  return text(`confirmed with state ${JSON.stringify(context.requestState)}`);
});

describe('createServerFactory: input required (multi-round trip)', () => {
  const acceptAll = (client: Client): void => client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: {} }));

  test('2026-07-28: the client answers and the handler gets its own state back', async (t) => {
    const client = await modernClient(t, factoryOf([{ name: 'p', tools: [confirming] }]), {
      principal: ALICE,
      capabilities: { elicitation: { form: {} } },
      setup: acceptAll,
    });
    const result = await client.callTool({ name: 'confirm', arguments: {} });
    assert.equal(firstText(result), 'confirmed with state {"round":1,"by":"github:1"}');
  });

  test('2025 session: the same handler works, the SDK asking the client on its behalf', async (t) => {
    const { client } = await sessionClient(t, factoryOf([{ name: 'p', tools: [confirming] }]), {
      capabilities: { elicitation: { form: {} } },
      setup: acceptAll,
    });
    const result = await client.callTool({ name: 'confirm', arguments: {} });
    assert.equal(firstText(result), 'confirmed with state {"round":1,"by":"github:1"}');
  });

  test('state that was altered, or minted by another tool, is refused before the handler runs', async (t) => {
    let secondRounds = 0;
    const other = tool('other', async (_args, context) => {
      if (context.requestState !== undefined) secondRounds += 1;
      return text('other ran');
    });
    const handler = createMcpHandler(factoryOf([{ name: 'p', tools: [confirming, other] }]));
    t.after(() => handler.close());
    const call = async (name: string, extra: Record<string, unknown>) => {
      const response = await rawToolCall(handler, { name, arguments: {}, _meta: envelope({ elicitation: { form: {} } }), ...extra });
      return (await response.json()) as { result?: { requestState?: string; isError?: boolean; content?: Array<{ text: string }> }; error?: { code: number } };
    };
    const first = await call('confirm', {});
    const state = first.result?.requestState;
    assert.equal(typeof state, 'string');
    const answer = { inputResponses: { ok: { action: 'accept', content: {} } } };
    const tampered = `${state?.slice(0, -2)}${state?.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal((await call('confirm', { ...answer, requestState: tampered })).error?.code, -32602);
    // The SDK turns what a tools/call handler throws into a tool error; the handler still never runs.
    const foreign = await call('other', { ...answer, requestState: state });
    assert.equal(foreign.result?.isError, true);
    assert.match(foreign.result?.content?.[0]?.text ?? '', /Invalid or expired requestState/);
    assert.equal(secondRounds, 0);
  });
});

describe('createServerFactory: announcing changes', () => {
  const trigger = tool('trigger', async (_args, context) => {
    context.announce?.({ kind: 'tools' });
    return text('announced');
  });
  const touch = tool(
    'touch',
    async (args, context) => {
      context.announce?.({ kind: 'resource', uri: String(args['uri']) });
      return text('touched');
    },
    { type: 'object', properties: { uri: { type: 'string' } }, required: ['uri'] },
  );
  const watched = { name: 'watched', uri: 'test://watched', subscribable: true, read: async (uri: string) => [{ uri, text: 'now' }] };
  const quiet = { name: 'quiet', uri: 'test://quiet', subscribable: true, read: async (uri: string) => [{ uri, text: 'same' }] };
  const pack: Pack = { name: 'live', tools: [trigger, touch], resources: [watched, quiet] };

  test('2026-07-28: an announced list change reaches open subscriptions/listen streams', async (t) => {
    const client = await modernClient(t, factoryOf([pack]));
    const changed = nextNotification(client, 'notifications/tools/list_changed');
    const subscription = await client.listen({ toolsListChanged: true });
    t.after(() => subscription.close());
    await client.callTool({ name: 'trigger', arguments: {} });
    await changed;
  });

  test('2025 session: list changes always arrive; resource updates only for subscribed URIs', async (t) => {
    const updated: unknown[] = [];
    const { client } = await sessionClient(t, factoryOf([pack]), {
      setup: (c) => c.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri)),
    });
    await client.subscribeResource({ uri: 'test://watched' });
    const listChanged = nextNotification(client, 'notifications/tools/list_changed');
    await client.callTool({ name: 'touch', arguments: { uri: 'test://quiet' } });
    await client.callTool({ name: 'touch', arguments: { uri: 'test://watched' } });
    await client.callTool({ name: 'trigger', arguments: {} });
    // One stream carries all three in order, so once the list change is here the updates are too.
    await listChanged;
    assert.deepEqual(updated, ['test://watched']);
  });

  test('2025 session: subscribing to a resource that takes no subscriptions is invalid params', async (t) => {
    const { client } = await sessionClient(t, factoryOf([pack]));
    await assert.rejects(client.subscribeResource({ uri: 'test://nowhere' }), { code: -32602 });
  });
});

describe('createServerFactory: resources and prompts', () => {
  const library: Pack = {
    name: 'library',
    resources: [
      { name: 'readme', uri: 'test://readme', mimeType: 'text/plain', read: async (uri) => [{ uri, mimeType: 'text/plain', text: 'hello' }] },
      { name: 'gone', uri: 'test://gone', read: async () => [] },
      {
        name: 'broken',
        uri: 'test://broken',
        read: async () => {
          throw new Error('disk on fire');
        },
      },
    ],
    resourceTemplates: [
      {
        name: 'book',
        uriTemplate: 'test://books/{id}',
        complete: async (_variable, value) => ['1', '12', '2'].filter((id) => id.startsWith(value)),
        read: async (uri, variables) => (variables['id'] === '404' ? [] : [{ uri, text: `book ${variables['id']}` }]),
      },
    ],
    prompts: [
      {
        name: 'summarise',
        description: 'Summarise a book',
        arguments: [
          { name: 'book', description: 'Book id', required: true },
          { name: 'tone', required: false },
        ],
        complete: async (argument, value) => (argument === 'tone' ? ['dry', 'droll'].filter((tone) => tone.startsWith(value)) : []),
        get: async (args) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Summarise ${args['book']} (${args['tone'] ?? 'plain'})` } }] }),
      },
    ],
  };

  test('static resources and templates read through the pack; nothing there is a not-found error', async (t) => {
    const logger = recordingLogger();
    const client = await modernClient(t, factoryOf([library], logger));
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((resource) => resource.uri), ['test://readme', 'test://gone', 'test://broken']);
    assert.deepEqual((await client.readResource({ uri: 'test://readme' })).contents, [{ uri: 'test://readme', mimeType: 'text/plain', text: 'hello' }]);
    assert.deepEqual((await client.readResource({ uri: 'test://books/7' })).contents, [{ uri: 'test://books/7', text: 'book 7' }]);
    for (const uri of ['test://nothing-here', 'test://gone', 'test://books/404']) {
      await assert.rejects(client.readResource({ uri }), { code: -32602 }, uri);
    }
    await assert.rejects(client.readResource({ uri: 'test://broken' }), (error: Error & { code?: number }) => {
      assert.equal(error.code, -32603);
      assert.doesNotMatch(error.message, /disk on fire/);
      return true;
    });
    assert.equal(logger.events.find((entry) => entry.event === 'mcp.resource_failed')?.fields['error'], 'disk on fire');
  });

  test('prompt arguments are listed and required ones enforced', async (t) => {
    const client = await modernClient(t, factoryOf([library]));
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts[0]?.arguments, [
      { name: 'book', description: 'Book id', required: true },
      { name: 'tone', required: false },
    ]);
    const result = await client.getPrompt({ name: 'summarise', arguments: { book: 'Emma', tone: 'dry' } });
    assert.deepEqual(result.messages, [{ role: 'user', content: { type: 'text', text: 'Summarise Emma (dry)' } }]);
    await assert.rejects(client.getPrompt({ name: 'summarise', arguments: { tone: 'dry' } }), { code: -32602 });
  });

  test('completion answers from the pack’s hooks; an unknown reference is invalid params', async (t) => {
    const client = await sessionClient(t, factoryOf([library])).then(({ client: c }) => c);
    const tone = await client.complete({ ref: { type: 'ref/prompt', name: 'summarise' }, argument: { name: 'tone', value: 'dr' } });
    assert.deepEqual(tone.completion.values, ['dry', 'droll']);
    const id = await client.complete({ ref: { type: 'ref/resource', uri: 'test://books/{id}' }, argument: { name: 'id', value: '1' } });
    assert.deepEqual(id.completion.values, ['1', '12']);
    await assert.rejects(client.complete({ ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'x', value: '' } }), { code: -32602 });
  });

  test('capabilities follow what the packs offer', async (t) => {
    const toolsOnly = await sessionClient(t, factoryOf([{ name: 'p', tools: [tool('t', async () => text('t'))] }]));
    assert.deepEqual(toolsOnly.client.getServerCapabilities(), { logging: {}, tools: { listChanged: true } });
    const full = await sessionClient(t, factoryOf([library]));
    assert.deepEqual(full.client.getServerCapabilities(), {
      logging: {},
      resources: { listChanged: true },
      prompts: { listChanged: true },
      completions: {},
    });
  });
});
