import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientProfile } from '../../src/domain/client-profiles/index.js';
import { replayProfile } from '../../test/support/profile-replay.js';
import { startProfileWorld } from './world.js';

/**
 * Issue 5 item 2: Claude.ai's DCR variants, replayed through nginx + TLS against a Keyway with CIMD
 * off (so Claude falls back to `/register`) and stateless MCP (the default).
 */
test('Claude.ai with DCR through nginx + TLS (CIMD off, stateless)', async (t) => {
  const world = await startProfileWorld(t, { KEYWAY_CIMD: 'off' });

  await t.test('2025-11-25: registers twice asking for client_secret_post, uses the second client with the method the answer named', async () => {
    const result = await replayProfile(clientProfile('claude-ai'), world.target('alice'));
    assert.equal(result.registration, 'dcr');
    assert.equal(result.clientIds.length, 2);
    assert.notEqual(result.clientIds[0], result.clientIds[1], 'each registration is a new client');
    assert.equal(result.clientId, result.clientIds[1]);
    assert.equal(result.transcript.filter((line) => line === 'POST /register → 201').length, 2);
    // Stateless: DELETE has nothing to end, and says so with 405 + Allow (checked in the replay).
    assert.ok(result.transcript.includes('DELETE /mcp → 405'), result.transcript.join(' | '));
    assert.equal(result.refreshed, true);
    const seen = world.keyway.logs.filter((line) => line['event'] === 'http.request').map((line) => `${String(line['method'])} ${String(line['path'])} ${String(line['userAgent'])}`);
    assert.ok(seen.includes('POST /register python-httpx/0.28.1') && seen.includes('POST /mcp Claude-User'), `user agents reached Keyway through nginx: ${seen.join(' | ')}`);
  });

  await t.test('2026-07-28 pasted as /sse: PRM for /sse, server/discover on POST /sse, no redirect', async () => {
    const result = await replayProfile(clientProfile('claude-ai-2026'), world.target('bob', '/sse'));
    assert.equal(result.registration, 'dcr');
    assert.ok(result.transcript.includes('GET /.well-known/oauth-protected-resource/sse → 200'), result.transcript.join(' | '));
    assert.ok(!result.transcript.some((line) => / → 30\d$/.test(line) && !line.startsWith('browser')), 'no redirect on MCP or OAuth routes');
    assert.equal(result.echoed, 'hello from claude-ai-2026');
  });
});
