import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  grantedScopes,
  MAX_STATE_BYTES,
  scopeKey,
  utf8Length,
  validateAuthorizationRequest,
  type AuthorizationParams,
} from '../../../src/domain/grants/authorization-request.js';
import { isDomainError, type DomainErrorCode } from '../../../src/domain/errors.js';
import { aPolicy } from '../../support/oauth-mothers.js';

const policy = aPolicy({ scopes: ['mcp', 'tools:write'] });
const REDIRECT = 'https://claude.ai/api/mcp/auth_callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function params(overrides: Partial<AuthorizationParams> = {}): AuthorizationParams {
  return { responseType: 'code', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256', resources: [], repeated: [], ...overrides };
}

function validate(overrides: Partial<AuthorizationParams> = {}) {
  return validateAuthorizationRequest('client-1', REDIRECT, params(overrides), policy);
}

function refusedWith(code: DomainErrorCode, overrides: Partial<AuthorizationParams>): void {
  assert.throws(() => validate(overrides), (error: unknown) => isDomainError(error) && error.code === code, JSON.stringify(overrides));
}

describe('authorization request validation (after the client and redirect URI are known-good)', () => {
  test('a request like Claude’s is accepted and keeps client, redirect URI and challenge', () => {
    const request = validate({ state: 'xyz', scope: 'mcp', resources: ['https://mcp.example.com/mcp'] });
    assert.deepEqual(request, { clientId: 'client-1', redirectUri: REDIRECT, codeChallenge: CHALLENGE, resource: 'https://mcp.example.com/mcp', scopes: ['mcp'], state: 'xyz' });
  });

  test('C5 response_type=token → unsupported_response_type; none → invalid_request', () => {
    refusedWith('unsupported_response_type', { responseType: 'token' });
    refusedWith('unsupported_response_type', { responseType: 'code token' });
    refusedWith('invalid_request', { responseType: undefined });
    refusedWith('invalid_request', { responseType: '' });
  });

  test('C5 a repeated response_type, scope or code_challenge_method → invalid_request', () => {
    refusedWith('invalid_request', { repeated: ['scope'] });
  });

  test('C6 PKCE: missing challenge, plain, no method, S512 or s256 → invalid_request', () => {
    refusedWith('invalid_request', { codeChallenge: undefined });
    refusedWith('invalid_request', { codeChallenge: '' });
    refusedWith('invalid_request', { codeChallengeMethod: 'plain' });
    refusedWith('invalid_request', { codeChallengeMethod: undefined });
    refusedWith('invalid_request', { codeChallengeMethod: 'S512' });
    refusedWith('invalid_request', { codeChallengeMethod: 's256' });
  });

  test('C6 a challenge of 42 or 129 characters, or with +, / or =, → invalid_request; 43 and 128 pass', () => {
    refusedWith('invalid_request', { codeChallenge: 'a'.repeat(42) });
    refusedWith('invalid_request', { codeChallenge: 'a'.repeat(129) });
    refusedWith('invalid_request', { codeChallenge: `${'a'.repeat(42)}+` });
    refusedWith('invalid_request', { codeChallenge: `${'a'.repeat(42)}/` });
    refusedWith('invalid_request', { codeChallenge: `${'a'.repeat(42)}=` });
    refusedWith('invalid_request', { codeChallenge: `${'a'.repeat(42)}.` });
    assert.equal(validate({ codeChallenge: 'a'.repeat(43) }).codeChallenge, 'a'.repeat(43));
    assert.equal(validate({ codeChallenge: 'a'.repeat(128) }).codeChallenge, 'a'.repeat(128));
  });

  test('C7 resource: another server or a fragment → invalid_target; absent or any spelling of ours → canonical', () => {
    refusedWith('invalid_target', { resources: ['https://other.example/mcp'] });
    refusedWith('invalid_target', { resources: ['https://mcp.example.com/mcp#frag'] });
    refusedWith('invalid_target', { resources: ['https://mcp.example.com/mcp', 'https://other.example/mcp'] });
    for (const resource of ['HTTPS://MCP.EXAMPLE.COM/mcp', 'https://mcp.example.com/mcp/', 'https://mcp.example.com/sse', 'https://mcp.example.com/', 'https://mcp.example.com']) {
      assert.equal(validate({ resources: [resource] }).resource, 'https://mcp.example.com/mcp', resource);
    }
    assert.equal(validate({ resources: [] }).resource, 'https://mcp.example.com/mcp');
  });

  test('C5 unknown scopes are ignored (documented down-scoping): claudeai, * and offline_access fall back to the offered scopes', () => {
    assert.deepEqual(validate({ scope: 'claudeai' }).scopes, ['mcp', 'tools:write']);
    assert.deepEqual(validate({ scope: '*' }).scopes, ['mcp', 'tools:write']);
    assert.deepEqual(validate({ scope: 'offline_access' }).scopes, ['mcp', 'tools:write']);
    assert.deepEqual(validate({ scope: undefined }).scopes, ['mcp', 'tools:write']);
    assert.deepEqual(validate({ scope: 'tools:write claudeai offline_access' }).scopes, ['tools:write']);
    assert.deepEqual(validate({ scope: 'tools:write  mcp' }).scopes, ['mcp', 'tools:write'], 'policy order, extra spaces ignored');
  });

  test('C9 state is kept byte for byte, absent stays absent, and more than 2 KiB is invalid_request', () => {
    for (const state of ['a&b', 'a+b', 'a b', 'ü😀', '%41', '']) assert.equal(validate({ state }).state, state);
    assert.equal('state' in validate({}), false);
    assert.equal(validate({ state: 'é'.repeat(MAX_STATE_BYTES / 2) }).state?.length, MAX_STATE_BYTES / 2);
    refusedWith('invalid_request', { state: `${'é'.repeat(MAX_STATE_BYTES / 2)}x` });
    refusedWith('invalid_request', { state: 'x'.repeat(10 * 1024) });
  });

  test('utf8Length counts bytes, scopeKey sorts, grantedScopes never returns an empty set', () => {
    assert.equal(utf8Length('aé€😀'), 1 + 2 + 3 + 4);
    assert.equal(scopeKey(['tools:write', 'mcp']), 'mcp tools:write');
    assert.deepEqual(grantedScopes('nothing-known', aPolicy({ scopes: ['mcp'] })), ['mcp']);
  });
});
