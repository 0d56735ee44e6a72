import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRouter, routes } from '../../../src/adapters/http/router.js';

const noop = async (): Promise<void> => undefined;

test('exact paths only: no trailing-slash folding, no prefixes', () => {
  const router = createRouter(routes('POST', ['/mcp'], noop, true));
  assert.equal(router.match('POST', '/mcp').kind, 'found');
  assert.equal(router.match('POST', '/mcp/').kind, 'not_found');
  assert.equal(router.match('POST', '/mcpx').kind, 'not_found');
  assert.equal(router.match('POST', '/MCP').kind, 'not_found');
});

test('a known path with another method is 405 with the allowed methods', () => {
  const router = createRouter([...routes('POST', ['/mcp'], noop, true), ...routes('GET', ['/mcp'], noop, true)]);
  const match = router.match('PUT', '/mcp');
  assert.equal(match.kind, 'method_not_allowed');
  assert.ok(match.kind === 'method_not_allowed');
  assert.deepEqual([...match.allow].sort(), ['GET', 'POST']);
  assert.equal(match.mcp, true);
});

test('HEAD falls back to GET on plain routes but not on MCP routes', () => {
  const router = createRouter([...routes('GET', ['/healthz'], noop), ...routes('GET', ['/mcp'], noop, true)]);
  assert.equal(router.match('HEAD', '/healthz').kind, 'found');
  assert.equal(router.match('HEAD', '/mcp').kind, 'method_not_allowed');
});

test('duplicate routes are a programming error', () => {
  assert.throws(() => createRouter([...routes('GET', ['/a'], noop), ...routes('GET', ['/a'], noop)]), /duplicate route GET \/a/);
});

test('isMcpPath tells MCP paths from others', () => {
  const router = createRouter([...routes('GET', ['/healthz'], noop), ...routes('POST', ['/messages'], noop, true)]);
  assert.equal(router.isMcpPath('/messages'), true);
  assert.equal(router.isMcpPath('/healthz'), false);
  assert.equal(router.isMcpPath('/nowhere'), false);
});
