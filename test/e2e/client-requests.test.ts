import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startKeyway, startSignedIn } from '../support/keyway.js';
import { obtainTokens } from '../support/oauth-flow.js';

/**
 * Server-to-client requests during a tool call (elicitation here) in the default stateless mode:
 * the request goes out on the call's own stream and the client's answer, POSTed separately, reaches
 * the call that is waiting for it — even when concurrent calls use the same JSON-RPC ids (I7).
 */
const PACK = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/conformance-pack.js');

function v2Client(name: string): ClientV2 {
  const client = new ClientV2({ name, version: '1' }, { supportedProtocolVersions: ['2025-11-25'], capabilities: { elicitation: {} } });
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { username: name, email: `${name}@example.com` } }));
  return client;
}

const answerOf = (result: object): string => ((result as { content?: Array<{ text: string }> }).content ?? [])[0]?.text ?? '';

test('stateless 2025: concurrent elicitations of different users each reach their own waiting call (I7)', async (t) => {
  const { origin } = await startKeyway(t, { KEYWAY_PACKS: PACK });
  const names = ['alice', 'bob', 'carol'];
  const tokens = await Promise.all(names.map((name) => obtainTokens(origin, name)));
  const clients = names.map(v2Client);
  await Promise.all(
    clients.map((client, index) =>
      client.connect(new HttpV2(new URL('/mcp', origin), { requestInit: { headers: { authorization: `Bearer ${tokens[index]?.access_token ?? ''}` } } })),
    ),
  );
  t.after(() => Promise.all(clients.map((client) => client.close())));
  const results = await Promise.all(clients.map((client) => client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } })));
  assert.deepEqual(
    results.map(answerOf),
    names.map((name) => `User response: action=accept, content={"username":"${name}","email":"${name}@example.com"}`),
  );
});

test('stateless 2025: the v1 client answers an elicitation through POST /sse', async (t) => {
  const { origin, auth } = await startSignedIn(t, { KEYWAY_PACKS: PACK });
  const client = new ClientV1({ name: 'v1', version: '1' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
  await client.connect(new HttpV1(new URL('/sse', origin), { requestInit: { headers: auth } }));
  t.after(() => client.close());
  const result = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Go?' } });
  assert.equal(answerOf(result), 'User response: action=decline, content={}');
});

test('an answer to an unknown request id is accepted (202) and changes nothing', async (t) => {
  const { origin, auth } = await startSignedIn(t, { KEYWAY_PACKS: PACK });
  const response = await fetch(new URL('/mcp', origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...auth },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'kw-guess', result: { action: 'accept' } }),
  });
  assert.equal(response.status, 202);
  assert.equal((await fetch(new URL('/healthz', origin))).status, 200);
});
