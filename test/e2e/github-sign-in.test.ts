import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startFakeGithub } from '../support/fake-github.js';
import { startKeyway } from '../support/keyway.js';
import { obtainTokens, type UpstreamLogin } from '../support/oauth-flow.js';

/**
 * Issue 4's configuration promise: `KEYWAY_IDP=github` plus the provider's settings is all it takes.
 * Keyway runs against a fake GitHub on loopback; a person consents at Keyway, authorizes at
 * "GitHub", and the MCP client gets Keyway's own tokens — never GitHub's (SECURITY.md E6).
 */
test('KEYWAY_IDP=github: consent, GitHub sign-in, Keyway tokens, tools see the GitHub user', async (t) => {
  const github = await startFakeGithub(t);
  const keyway = await startKeyway(t, {
    KEYWAY_IDP: 'github',
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    GITHUB_WEB_URL: github.webBaseUrl,
    GITHUB_API_URL: github.apiBaseUrl,
  });
  const atGithub: UpstreamLogin = async (redirectTo, login) => {
    assert.ok(redirectTo.startsWith(github.webBaseUrl), `sent to GitHub, not ${redirectTo}`);
    const back = new URL('/callback', keyway.origin);
    for (const [name, value] of Object.entries(await github.signIn(redirectTo, login))) back.searchParams.set(name, value);
    return back.href;
  };
  const tokens = await obtainTokens(keyway.origin, 'alice', `${keyway.origin}/mcp`, atGithub);
  assert.match(tokens.access_token, /^kw_at_/);
  assert.match(tokens.refresh_token, /^kw_rt_/);

  const client = new Client({ name: 'github-e2e', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', keyway.origin), { requestInit: { headers: { authorization: `Bearer ${tokens.access_token}` } } }));
  t.after(() => client.close());
  const identity = (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent as { subject: string };
  assert.match(identity.subject, /^github:(.+:)?1001$/, 'the immutable numeric GitHub id, never the login');

  assert.equal(github.tokenRequests.length, 1, 'Keyway exchanged the code at GitHub once');
  assert.ok(!JSON.stringify(tokens).includes('gho_'), 'no GitHub token in the token response (E6)');
  const foreign = await fetch(new URL('/mcp', keyway.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer gho_0123456789abcdefghijklmnopqrstuvwxyz' },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  });
  assert.equal(foreign.status, 401, 'a GitHub-shaped token is never an MCP token (E6)');
});

test('a missing GitHub setting stops start-up naming the variable and the callback URL to register', async (t) => {
  await assert.rejects(startKeyway(t, { KEYWAY_IDP: 'github', GITHUB_CLIENT_SECRET: 'x'.repeat(40) }), (error: Error) => {
    assert.match(error.message, /^GITHUB_CLIENT_ID: /);
    assert.match(error.message, /\/callback/);
    return true;
  });
});
