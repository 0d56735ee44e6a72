import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { HttpContext } from '../../src/adapters/http/types.js';
import { loadConfig } from '../../src/app/config.js';
import { createApp } from '../../src/app/container.js';
import { TOKENS } from '../../src/app/tokens.js';
import { freePort } from '../support/keyway.js';
import { readStream, recordingLogger } from '../support/sse-stream.js';

/** A hang is a failure: every wait here is on an event that should come quickly. */
const TIMEOUT_MS = 10_000;

test('the MCP side loads on first use: a request that arrives before it is loaded waits and is served', { timeout: TIMEOUT_MS }, async (t) => {
  const app = await createApp(loadConfig({ KEYWAY_STORE: 'memory' }), () => undefined);
  const endpoints = app.container.resolve(TOKENS.mcpEndpoints);
  t.after(() => endpoints.close());
  assert.equal(endpoints.isLoaded(), false);
  const route = endpoints.routes.find((candidate) => candidate.method === 'GET' && candidate.path === '/sse');
  assert.ok(route !== undefined);
  // The route mounted alone, as the pipeline would call it once the gate has admitted alice.
  const server = createServer((req, res) => {
    const logger = recordingLogger([]);
    const ctx: HttpContext = {
      req,
      res,
      url: new URL(req.url ?? '/', 'http://127.0.0.1'),
      requestId: 'test',
      logger,
      principal: { subject: 'alice', clientId: 'client', scopes: ['mcp'] },
      signal: new AbortController().signal,
    };
    void route.handler(ctx);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const request = get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/sse`, { headers: { accept: 'text/event-stream' } });
  t.after(() => request.destroy());
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  const stream = readStream(response);
  assert.match(await stream.until((text) => text.includes('\n\n')), /^event: endpoint\ndata: \/messages\?sessionId=/);
  assert.equal(endpoints.isLoaded(), true);
});

test('start() resolves once the MCP side is loaded, and only then is the process ready', { timeout: TIMEOUT_MS }, async (t) => {
  const port = await freePort();
  const app = await createApp(loadConfig({ KEYWAY_STORE: 'memory', KEYWAY_PORT: String(port), KEYWAY_PUBLIC_URL: `http://127.0.0.1:${port}` }), () => undefined);
  const endpoints = app.container.resolve(TOKENS.mcpEndpoints);
  assert.equal(endpoints.isLoaded(), false);
  const running = await app.start();
  t.after(() => running.stop());
  assert.equal(endpoints.isLoaded(), true);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  assert.equal(ready.status, 200);
});
