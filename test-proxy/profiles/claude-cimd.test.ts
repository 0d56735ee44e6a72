import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLAUDE_CIMD_CLIENT_ID, clientProfile } from '../../src/domain/client-profiles/index.js';
import { replayProfile } from '../../test/support/profile-replay.js';
import { startProfileWorld } from './world.js';

/**
 * Issue 5 item 2: Claude.ai, replayed through nginx + TLS against a Keyway that advertises CIMD
 * (with `none`), so Claude identifies itself by its metadata document URL and never calls
 * `/register`; sessions on, so Claude's DELETE after the handshake and its stale id are real.
 */
test('Claude.ai with CIMD through nginx + TLS (sessions on)', async (t) => {
  const world = await startProfileWorld(t, { KEYWAY_MCP_SESSIONS: 'on' });

  await t.test('2025-11-25: CIMD client id, initialize with Accept */*, lists, DELETE, stale id 404, fresh session for the call, refresh', async () => {
    const result = await replayProfile(clientProfile('claude-ai'), world.target('alice'));
    assert.equal(result.registration, 'cimd');
    assert.equal(result.clientId, CLAUDE_CIMD_CLIENT_ID);
    assert.ok(!result.transcript.some((line) => line.startsWith('POST /register')), result.transcript.join(' | '));
    assert.ok(result.transcript.includes('DELETE /mcp → 204') || result.transcript.includes('DELETE /mcp → 200'), result.transcript.join(' | '));
    assert.equal(result.echoed, 'hello from claude-ai');
    assert.equal(result.refreshed, true);
  });

  await t.test('2026-07-28: server/discover with the 2025-11-25 header is served per _meta and logged', async () => {
    const result = await replayProfile(clientProfile('claude-ai-2026'), world.target('bob'));
    assert.equal(result.registration, 'cimd');
    assert.equal(result.echoed, 'hello from claude-ai-2026');
    const mismatch = world.keyway.logs.filter((line) => line['event'] === 'mcp.version_mismatch_served_per_meta');
    assert.ok(mismatch.length > 0, 'the header/_meta mismatch is logged at warn');
  });
});
