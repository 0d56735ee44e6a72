import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/app/config.js';

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail('expected a configuration error');
}

describe('configuration', () => {
  test('embedded defaults: 127.0.0.1:8080, loopback public URL, stateless, diagnostics pack', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl.href, 'http://127.0.0.1:8080/');
    assert.equal(config.mcpSessions, false);
    assert.deepEqual(config.packs, ['diagnostics']);
    assert.ok(Object.isFrozen(config));
  });

  test('timeouts are ordered for a reverse proxy by default', () => {
    const config = loadConfig({});
    assert.ok(config.keepAliveTimeoutMs > 60_000, 'keep-alive outlives a 60 s proxy idle timeout');
    assert.ok(config.headersTimeoutMs > config.keepAliveTimeoutMs);
    assert.ok(config.requestTimeoutMs >= config.headersTimeoutMs);
  });

  test('values are parsed from the environment', () => {
    const config = loadConfig({
      KEYWAY_PUBLIC_URL: 'https://mcp.example.com',
      KEYWAY_PORT: '9000',
      KEYWAY_MCP_SESSIONS: 'on',
      KEYWAY_PACKS: 'diagnostics, ./my-pack.js',
      KEYWAY_ALLOWED_ORIGINS: 'http://localhost:6274/',
      KEYWAY_SSE_HEARTBEAT_SECONDS: '20',
    });
    assert.equal(config.publicUrl.origin, 'https://mcp.example.com');
    assert.equal(config.port, 9000);
    assert.equal(config.mcpSessions, true);
    assert.deepEqual(config.packs, ['diagnostics', './my-pack.js']);
    assert.deepEqual(config.allowedOrigins, ['http://localhost:6274']);
    assert.equal(config.sseHeartbeatMs, 20_000);
  });

  test('a wildcard bind address still yields a usable loopback public URL', () => {
    assert.equal(loadConfig({ KEYWAY_HOST: '0.0.0.0' }).publicUrl.origin, 'http://127.0.0.1:8080');
  });

  test('bad values stop start-up with one line naming the variable and the fix', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ KEYWAY_PORT: 'eighty' }, /^KEYWAY_PORT: .*\(use a port number/],
      [{ KEYWAY_PORT: '70000' }, /^KEYWAY_PORT: /],
      [{ KEYWAY_PUBLIC_URL: 'http://mcp.example.com' }, /^KEYWAY_PUBLIC_URL: must use https/],
      [{ KEYWAY_PUBLIC_URL: 'https://mcp.example.com/mcp' }, /^KEYWAY_PUBLIC_URL: must be an origin without a path/],
      [{ KEYWAY_PUBLIC_URL: 'not a url' }, /^KEYWAY_PUBLIC_URL: /],
      [{ KEYWAY_MCP_SESSIONS: 'yes' }, /^KEYWAY_MCP_SESSIONS: /],
      [{ KEYWAY_LOG_LEVEL: 'loud' }, /^KEYWAY_LOG_LEVEL: /],
      [{ KEYWAY_ALLOWED_ORIGINS: 'http://localhost:6274/path' }, /^KEYWAY_ALLOWED_ORIGINS: /],
      [{ KEYWAY_KEEP_ALIVE_TIMEOUT_MS: '70000' }, /^KEYWAY_HEADERS_TIMEOUT_MS: must exceed/],
      [{ KEYWAY_REQUEST_TIMEOUT_MS: '60000' }, /^KEYWAY_REQUEST_TIMEOUT_MS: /],
      [{ KEYWAY_TOKEN_CACHE_SECONDS: '61' }, /^KEYWAY_TOKEN_CACHE_SECONDS: /],
      [{ KEYWAY_TOKEN_CACHE_SECONDS: '-1' }, /^KEYWAY_TOKEN_CACHE_SECONDS: /],
      [{ KEYWAY_JOURNEY_TIMEOUT_SECONDS: '5' }, /^KEYWAY_JOURNEY_TIMEOUT_SECONDS: /],
    ];
    for (const [env, expected] of cases) {
      const message = failure(env);
      assert.match(message, expected, JSON.stringify(env));
      assert.ok(!message.includes('\n'), 'one line');
    }
  });

  test('empty variables count as unset', () => {
    assert.equal(loadConfig({ KEYWAY_PORT: '' }).port, 8080);
  });
});
