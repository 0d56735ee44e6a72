import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { refreshAuthorization, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startKeyway } from '../support/keyway.js';
import { createRecordingJar } from '../support/sdk-oauth-browser.js';
import { createV1OAuthProvider, type V1OAuthProvider } from '../support/sdk-oauth-provider.js';

/**
 * SECURITY.md M1: after a full flow, a refresh and some tool calls — plus a few credentials the
 * server refuses — none of the credentials handled along the way appears in Keyway's JSON logs,
 * at the most verbose level. Only identifiers (client id, subject, grant id) may be logged.
 */
const INFO = { name: 'keyway-log-hygiene', version: '1.0.0' };

async function connect(t: TestContext, url: URL, provider: V1OAuthProvider): Promise<Client> {
  const client = new Client(INFO);
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
  t.after(() => client.close());
  return client;
}

/** The two spellings of an RFC 6749 §2.3.1 Basic credential a client may send. */
function basicCredentials(clientId: string, secret: string): string[] {
  return [`${clientId}:${secret}`, `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`].map((pair) => Buffer.from(pair).toString('base64'));
}

function basicHeader(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function postForm(origin: string, path: string, authorization: string, form: Record<string, string>): Promise<Response> {
  return fetch(new URL(path, origin), {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** Credentials the server refuses are handled too: a wrong client secret, a made-up refresh token, a forged bearer token. */
async function rejectedAttempts(origin: string, clientId: string): Promise<string[]> {
  const wrongSecret = `kw_cs_${'W'.repeat(43)}`;
  const madeUp = `kw_rt_${'R'.repeat(43)}`;
  const forged = `kw_at_${'F'.repeat(43)}`;
  const token = await postForm(origin, '/token', basicHeader(clientId, wrongSecret), { grant_type: 'refresh_token', refresh_token: madeUp });
  assert.equal(token.status, 401, 'a wrong client secret → invalid_client');
  const mcp = await fetch(new URL('/mcp', origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  assert.equal(mcp.status, 401, 'a forged access token → 401');
  return [wrongSecret, ...basicCredentials(clientId, wrongSecret), madeUp, forged];
}

test('M1 no credential of a full flow, a refresh and tool calls appears in the logs', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_LOG_LEVEL: 'debug' });
  const url = new URL('/mcp', keyway.origin);
  const jar = createRecordingJar();
  const provider = await createV1OAuthProvider({ jar, authMethod: 'client_secret_basic' });
  const secrets: string[] = [];

  const first = new StreamableHTTPClientTransport(url, { authProvider: provider });
  await assert.rejects(new Client(INFO).connect(first), (error) => error instanceof UnauthorizedError);
  await first.finishAuth(provider.code());
  const information = provider.clientInformation();
  const issued = provider.tokens();
  assert.ok(information?.client_secret !== undefined && issued?.refresh_token !== undefined, 'a confidential client with a token pair');
  secrets.push(information.client_secret, ...basicCredentials(information.client_id, information.client_secret), provider.codeVerifier());
  secrets.push(issued.access_token, issued.refresh_token, ...provider.callbacks.map((back) => back.searchParams.get('code') ?? ''));

  const client = await connect(t, url, provider);
  await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
  await client.callTool({ name: 'count_slowly', arguments: { steps: 2, interval_ms: 10 } });

  const refreshed = await refreshAuthorization(keyway.origin, { clientInformation: information, refreshToken: issued.refresh_token, resource: url });
  secrets.push(refreshed.access_token, refreshed.refresh_token ?? '');
  provider.saveTokens({ ...refreshed, issuer: issued.issuer });
  const again = await connect(t, url, provider);
  await again.callTool({ name: 'whoami', arguments: {} });
  secrets.push(...(await rejectedAttempts(keyway.origin, information.client_id)));
  const revoked = await postForm(keyway.origin, '/revoke', basicHeader(information.client_id, information.client_secret), { token: refreshed.refresh_token ?? '' });
  assert.equal(revoked.status, 200);
  const seen = await jar.seen();
  secrets.push(...seen);

  assert.ok(seen.length >= 10, `the browser saw cookies, CSRF tokens, states and codes: ${seen.length}`);
  assert.ok(secrets.length >= 16, `credentials gathered: ${secrets.length}`);
  assert.ok(
    keyway.logs.some((line) => line['event'] === 'oauth.token_revoked' && line['clientId'] === information.client_id),
    'the revocation was logged with its client id: the search runs over real log lines',
  );
  const leaks = keyway.logs.flatMap((line) => {
    const text = JSON.stringify(line);
    return secrets.filter((secret) => secret.length >= 16 && text.includes(secret)).map((secret) => `${secret.slice(0, 10)}… in ${text}`);
  });
  assert.deepEqual(leaks, []);
});
