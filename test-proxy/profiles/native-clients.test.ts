import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientProfile } from '../../src/domain/client-profiles/index.js';
import { replayProfile } from '../../test/support/profile-replay.js';
import { startProfileWorld } from './world.js';

/**
 * Issue 5 item 2: Claude Code, Cursor, VS Code, ChatGPT and MCP Inspector, replayed through nginx
 * + TLS against one Keyway with sessions on and the Inspector's origin allowed.
 */
test('native, hosted and browser clients through nginx + TLS (sessions on)', async (t) => {
  const world = await startProfileWorld(t, { KEYWAY_MCP_SESSIONS: 'on', KEYWAY_ALLOWED_ORIGINS: 'http://localhost:6274' });

  await t.test('Claude Code: port-less loopback registration, authorized on another port, iss checked, offline_access asked, discover then initialize, no Accept later', async () => {
    const result = await replayProfile(clientProfile('claude-code'), world.target('alice'));
    assert.equal(result.registration, 'dcr');
    assert.equal(result.authMethod, 'none');
    assert.equal(result.echoed, 'hello from claude-code');
  });

  await t.test('Cursor: one registration with three redirect URIs (cursor:// among them), each accepted at /authorize', async () => {
    const result = await replayProfile(clientProfile('cursor'), world.target('alice'));
    assert.equal(result.transcript.filter((line) => line === 'browser GET /authorize → 200').length, 3);
    assert.equal(result.echoed, 'hello from cursor');
  });

  await t.test('VS Code: loopback (authorized on a port it did not register) and vscode.dev redirect URIs', async () => {
    const result = await replayProfile(clientProfile('vscode'), world.target('bob'));
    assert.equal(result.transcript.filter((line) => line === 'browser GET /authorize → 200').length, 2);
    assert.equal(result.refreshed, true);
  });

  await t.test('ChatGPT: confidential client, client_secret_post at /token, iss checked', async () => {
    const result = await replayProfile(clientProfile('chatgpt'), world.target('bob'));
    assert.equal(result.authMethod, 'client_secret_post');
    assert.equal(result.echoed, 'hello from chatgpt');
  });

  await t.test('MCP Inspector: every browser call preflighted and readable from http://localhost:6274', async () => {
    const result = await replayProfile(clientProfile('mcp-inspector'), world.target('alice'));
    const preflights = result.transcript.filter((line) => line.startsWith('OPTIONS '));
    for (const path of ['/mcp', '/register', '/token']) assert.ok(preflights.includes(`OPTIONS ${path} → 204`), `${path}: ${preflights.join(', ')}`);
    assert.equal(result.echoed, 'hello from mcp-inspector');
    assert.equal(result.refreshed, false, 'the Inspector refreshes only when the user asks');
  });
});
