import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { authorizationServerRoutes } from '../../../src/adapters/http/authorization-server-metadata.js';
import { protectedResourceRoutes } from '../../../src/adapters/http/protected-resource-metadata.js';
import { testPolicy } from '../../support/policy.js';
import { startHttpApp } from '../../support/http-app.js';

const policy = testPolicy();

const routes = [...protectedResourceRoutes(policy), ...authorizationServerRoutes(policy, { dynamicRegistration: true, clientMetadataDocuments: true })];

async function getJson(origin: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(new URL(path, origin), { headers });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

describe('discovery metadata (SECURITY.md A)', () => {
  test('A1 one protected resource document per endpoint, resource byte-identical, https only, no offline_access', async (t) => {
    const { origin } = await startHttpApp(t, routes, { publicUrl: 'https://mcp.example.com' });
    const expected: Array<[string, string]> = [
      ['/.well-known/oauth-protected-resource/mcp', 'https://mcp.example.com/mcp'],
      ['/.well-known/oauth-protected-resource/sse', 'https://mcp.example.com/sse'],
      ['/.well-known/oauth-protected-resource', 'https://mcp.example.com'],
    ];
    for (const [path, resource] of expected) {
      const { status, type, body } = await getJson(origin, path, { 'mcp-protocol-version': '2025-11-25' });
      assert.equal(status, 200, path);
      assert.match(type ?? '', /^application\/json/);
      assert.equal(body['resource'], resource);
      assert.deepEqual(body['authorization_servers'], ['https://mcp.example.com']);
      const scopes = body['scopes_supported'] as string[];
      assert.ok(!scopes.includes('offline_access') && !scopes.includes('*'));
      for (const value of [body['resource'], ...(body['authorization_servers'])]) assert.match(String(value), /^https:\/\//);
    }
  });

  test('A2 authorization server metadata: exact issuer, S256, code, two grant types, none among auth methods', async (t) => {
    const { origin } = await startHttpApp(t, routes, { publicUrl: 'https://mcp.example.com' });
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const { status, body } = await getJson(origin, path);
      assert.equal(status, 200);
      assert.equal(body['issuer'], 'https://mcp.example.com');
      assert.deepEqual(body['code_challenge_methods_supported'], ['S256']);
      assert.deepEqual(body['response_types_supported'], ['code']);
      assert.deepEqual(body['grant_types_supported'], ['authorization_code', 'refresh_token']);
      assert.deepEqual(body['token_endpoint_auth_methods_supported'], ['none', 'client_secret_post', 'client_secret_basic']);
      assert.equal(body['registration_endpoint'], 'https://mcp.example.com/register');
      assert.equal(body['client_id_metadata_document_supported'], true);
      assert.equal(body['authorization_response_iss_parameter_supported'], true);
      for (const key of ['authorization_endpoint', 'token_endpoint', 'revocation_endpoint']) assert.match(String(body[key]), /^https:\/\/mcp\.example\.com\//);
    }
  });

  test('A2 no registration_endpoint when dynamic registration is off', async (t) => {
    const { origin } = await startHttpApp(t, authorizationServerRoutes(policy, { dynamicRegistration: false, clientMetadataDocuments: true }));
    const { body } = await getJson(origin, '/.well-known/oauth-authorization-server');
    assert.ok(!('registration_endpoint' in body));
  });

  test('A3 forged Host and forwarded headers never reach the documents', async (t) => {
    const { origin } = await startHttpApp(t, routes, { publicUrl: 'https://mcp.example.com' });
    const { body } = await getJson(origin, '/.well-known/oauth-authorization-server', {
      'x-forwarded-host': 'attacker.example',
      'x-forwarded-proto': 'http',
      forwarded: 'host=attacker.example',
    });
    assert.ok(!JSON.stringify(body).includes('attacker'));
    const url = new URL('/.well-known/oauth-protected-resource/mcp', origin);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  });

  test('unknown well-known paths are JSON 404s, never an HTML catch-all', async (t) => {
    const { origin } = await startHttpApp(t, routes);
    const response = await fetch(new URL('/.well-known/oauth-protected-resource/other', origin));
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  });
});
