import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startKeyway } from './keyway.js';
import { obtainTokens } from './oauth-flow.js';
import { startTokenProxy } from './token-proxy.js';

test('the conformance token proxy adds the bearer token and streams through', async (t) => {
  const { origin } = await startKeyway(t);
  const { access_token: token } = await obtainTokens(origin, 'conformance');
  const proxy = await startTokenProxy(origin, token);
  t.after(() => proxy.server.close());
  assert.equal((await fetch(new URL('/mcp', origin), { method: 'POST' })).status, 401, 'Keyway itself wants a token');
  const client = new Client({ name: 'through-proxy', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', proxy.origin)));
  t.after(() => client.close());
  const progress: number[] = [];
  const result = await client.callTool({ name: 'count_slowly', arguments: { steps: 2, interval_ms: 20 } }, { onprogress: (update) => progress.push(update.progress) });
  assert.deepEqual(result.content, [{ type: 'text', text: 'counted to 2' }]);
  assert.deepEqual(progress, [1, 2]);
});
