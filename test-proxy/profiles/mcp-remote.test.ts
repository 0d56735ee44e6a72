import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { clientProfile } from '../../src/domain/client-profiles/index.js';
import { freePort } from '../../test/support/keyway.js';
import { createHttp } from '../../test/support/profile-replay-http.js';
import { startMcpRemote, type McpRemote } from '../../test/support/profile-replay-mcp-remote.js';
import { approveInBrowser } from '../../test/support/profile-replay-oauth.js';
import { replayProfile } from '../../test/support/profile-replay.js';
import { startProfileWorld, type ProfileWorld } from './world.js';

/**
 * Issue 5 item 2: the real mcp-remote package, not a replay of it, connecting through nginx + TLS.
 * It discovers, registers and prints its authorization URL; the test is the person in the
 * browser; mcp-remote takes the code on its loopback callback, exchanges it, and then bridges MCP
 * to its stdio, where the test lists tools and calls one.
 */
test('mcp-remote through nginx + TLS: its profile replayed, then the real package', { timeout: 60_000 }, async (t) => {
  const world = await startProfileWorld(t);

  await t.test('the mcp-remote profile: GET challenge probe, DCR as a native client, initialize, refresh', async () => {
    const result = await replayProfile(clientProfile('mcp-remote'), world.target('bob'));
    assert.equal(result.transcript[0], 'GET /mcp → 401');
    assert.equal(result.authMethod, 'none');
    assert.equal(result.refreshed, true);
  });

  await t.test('the real mcp-remote 0.15.1, headless: browser leg by the test, code to its loopback callback, MCP over its stdio', async (t) => {
    const remote = await realMcpRemote(t, world);
    assert.doesNotMatch(remote.stderr(), /speaks MCP 2026-07-28/, 'the default --protocol legacy sends initialize straight through');
  });

  await t.test('the real mcp-remote with --protocol auto: server/discover, then 2026-07-28 requests', async (t) => {
    const remote = await realMcpRemote(t, world, ['--protocol', 'auto']);
    assert.match(remote.stderr(), /Remote server speaks MCP 2026-07-28/);
  });
});

/** One real mcp-remote connect, judged by its stdio answers and by what Keyway saw meanwhile. */
async function realMcpRemote(t: TestContext, world: ProfileWorld, extraArgs: readonly string[] = []): Promise<McpRemote> {
  const logsBefore = world.keyway.logs.length;
  const callbackPort = await freePort();
  const remote = await startMcpRemote(t, { url: `${world.origin}/mcp`, caFile: world.nginx.caFile, callbackPort, extraArgs });

  const authorizationUrl = new URL(await remote.authorizationUrl);
  assert.equal(authorizationUrl.origin, world.origin, 'the authorization endpoint is on the public https origin');
  const redirectUri = authorizationUrl.searchParams.get('redirect_uri');
  assert.equal(redirectUri, `http://localhost:${callbackPort}/oauth/callback`);
  assert.equal(authorizationUrl.searchParams.get('resource'), `${world.origin}/mcp`, 'mcp-remote sends RFC 8707 resource');
  assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');

  const http = createHttp(clientProfile('mcp-remote'), world.target('alice'));
  const back = await approveInBrowser(http, authorizationUrl.href);
  assert.equal(`${back.origin}${back.pathname}`, redirectUri);
  assert.equal(back.searchParams.get('iss'), world.origin);
  // mcp-remote listens on 127.0.0.1; the browser would resolve localhost there.
  back.hostname = '127.0.0.1';
  const landed = await fetch(back);
  assert.equal(landed.status, 200, `mcp-remote's callback page: ${await landed.text()}\n${remote.stderr()}`);

  const initialize = await remote.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'keyway-profile-test', version: '1.0.0' } });
  assert.ok(initialize['result'] !== undefined, `initialize through mcp-remote: ${JSON.stringify(initialize)}\n${remote.stderr()}`);
  remote.notify('notifications/initialized');
  const listed = await remote.request('tools/list');
  const tools = ((listed['result'] as { tools?: Array<{ name: string }> } | undefined)?.tools ?? []).map((tool) => tool.name);
  assert.ok(tools.includes('echo'), `tools/list through mcp-remote: ${JSON.stringify(listed)}`);
  const called = await remote.request('tools/call', { name: 'echo', arguments: { message: 'through mcp-remote' } });
  assert.deepEqual((called['result'] as { content?: unknown } | undefined)?.content, [{ type: 'text', text: 'through mcp-remote' }]);

  const requests = world.keyway.logs.slice(logsBefore).filter((line) => line['event'] === 'http.request').map((line) => `${String(line['method'])} ${String(line['path'])} → ${String(line['status'])}`);
  for (const expected of ['POST /register → 201', 'POST /token → 200', 'GET /.well-known/oauth-authorization-server → 200']) {
    assert.ok(requests.includes(expected), `${expected} missing from what Keyway saw: ${requests.join(' | ')}`);
  }
  return remote;
}
