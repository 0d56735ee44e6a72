import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { createCors, withCors, type CorsPolicy } from '../../../src/adapters/http/cors.js';
import { createGuards } from '../../../src/adapters/http/guards.js';
import { createPipeline } from '../../../src/adapters/http/pipeline.js';
import { sendJson } from '../../../src/adapters/http/respond.js';
import { createRouter, routes } from '../../../src/adapters/http/router.js';
import type { HttpContext } from '../../../src/adapters/http/types.js';
import { createJsonLogger } from '../../../src/adapters/logging/json-logger.js';

const INSPECTOR = 'http://localhost:6274';
const REQUIRED_HEADERS = ['authorization', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'mcp-method', 'mcp-name'];

/** Keyway's real pipeline with CORS mounted the documented way on `/token`. */
async function start(t: TestContext, policy: CorsPolicy): Promise<string> {
  const cors = createCors(policy);
  const publicUrl = new URL(policy.publicOrigin);
  const token = withCors(cors, async ({ res }) => {
    sendJson(res, 401, { error: 'invalid_client' }, { 'WWW-Authenticate': 'Basic realm="keyway"', 'Cache-Control': 'no-store' });
  });
  const router = createRouter([...routes('OPTIONS', ['/token'], cors.preflight), ...routes('POST', ['/token'], token)]);
  const pipeline = createPipeline({
    router,
    guards: createGuards({ publicUrl, extraOrigins: policy.allowedOrigins }),
    gate: async () => undefined,
    logger: createJsonLogger('error', () => undefined),
    publicUrl,
  });
  const server = createServer(pipeline);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function list(header: string | null): string[] {
  return (header ?? '').split(',').map((value) => value.trim().toLowerCase()).filter((value) => value !== '');
}

const hosted: CorsPolicy = { allowedOrigins: [INSPECTOR], publicOrigin: 'https://mcp.example.com' };
const hostHeader = { Host: 'mcp.example.com' };

describe('CORS (H7)', () => {
  test('H7 a preflight from an allowed origin is granted: the origin echoed, MCP headers allowed, Vary: Origin', async (t) => {
    const origin = await start(t, hosted);
    const response = await fetch(`${origin}/token`, {
      method: 'OPTIONS',
      headers: { ...hostHeader, Origin: INSPECTOR, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, mcp-protocol-version' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), INSPECTOR);
    for (const header of REQUIRED_HEADERS) assert.ok(list(response.headers.get('access-control-allow-headers')).includes(header), header);
    for (const method of ['get', 'post', 'delete']) assert.ok(list(response.headers.get('access-control-allow-methods')).includes(method), method);
    assert.ok(list(response.headers.get('vary')).includes('origin'));
    assert.ok(Number(response.headers.get('access-control-max-age')) > 0);
    assert.equal(response.headers.get('access-control-allow-credentials'), null, 'bearer tokens, not cookies: no credentials mode');
  });

  test('H7 an actual response to an allowed origin exposes WWW-Authenticate and Mcp-Session-Id', async (t) => {
    const origin = await start(t, hosted);
    const response = await fetch(`${origin}/token`, { method: 'POST', headers: { ...hostHeader, Origin: INSPECTOR } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('access-control-allow-origin'), INSPECTOR);
    const exposed = list(response.headers.get('access-control-expose-headers'));
    for (const header of ['www-authenticate', 'mcp-session-id']) assert.ok(exposed.includes(header), header);
    assert.ok(list(response.headers.get('vary')).includes('origin'));
  });

  test('H7 other origins get no Access-Control-Allow-Origin, on preflights and responses alike', async (t) => {
    const origin = await start(t, hosted);
    for (const foreign of ['https://evil.example', 'null', 'http://localhost:3000', 'https://mcp.example.com.evil.example']) {
      const preflight = await fetch(`${origin}/token`, { method: 'OPTIONS', headers: { ...hostHeader, Origin: foreign, 'Access-Control-Request-Method': 'POST' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null, foreign);
      const actual = await fetch(`${origin}/token`, { method: 'POST', headers: { ...hostHeader, Origin: foreign } });
      assert.equal(actual.headers.get('access-control-allow-origin'), null, foreign);
    }
  });

  test('H7 the CORS module itself grants nothing to a foreign origin, even with no Origin guard in front', async (t) => {
    const cors = createCors(hosted);
    const server = createServer((req, res) => {
      if (req.method === 'OPTIONS') void cors.preflight({ req, res } as HttpContext);
      else {
        cors.apply(req, res);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const preflight = await fetch(origin, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(preflight.status, 204);
    for (const name of ['access-control-allow-origin', 'access-control-allow-headers', 'access-control-allow-methods']) assert.equal(preflight.headers.get(name), null, name);
    const actual = await fetch(origin, { method: 'POST', headers: { Origin: 'https://evil.example' } });
    assert.equal(actual.headers.get('access-control-allow-origin'), null);
    assert.equal(actual.headers.get('access-control-expose-headers'), null);
    const allowed = await fetch(origin, { method: 'POST', headers: { Origin: INSPECTOR } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), INSPECTOR);
  });

  test('requests without Origin (server to server) get no CORS grant but still vary on Origin', async (t) => {
    const origin = await start(t, hosted);
    const response = await fetch(`${origin}/token`, { method: 'POST', headers: hostHeader });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.ok(list(response.headers.get('vary')).includes('origin'));
  });

  test('with a loopback public URL any http loopback origin is a development origin, and nothing else', () => {
    const cors = createCors({ allowedOrigins: [], publicOrigin: 'http://127.0.0.1:8080' });
    assert.equal(cors.allows('http://localhost:6274'), true);
    assert.equal(cors.allows('http://127.0.0.1:5173'), true);
    assert.equal(cors.allows('http://[::1]:6274'), true);
    assert.equal(cors.allows('https://evil.example'), false);
    assert.equal(cors.allows('http://localhost.evil.example'), false);
    assert.equal(cors.allows('http://localhost:6274/path'), false);
    assert.equal(cors.allows(undefined), false);
    assert.equal(createCors(hosted).allows('http://localhost:6274'), true);
    assert.equal(createCors(hosted).allows('http://127.0.0.1:6274'), false);
  });
});
