import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGithubIdentityProvider } from '../../src/adapters/identity/github/github-identity-provider.js';
import { ConfigError } from '../../src/app/config.js';
import { loadGithubSettings } from '../../src/app/github-config.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createRecordingLogger } from '../support/oauth-mothers.js';

const PUBLIC = new URL('https://mcp.example.com');
const REQUIRED = { GITHUB_CLIENT_ID: 'Iv1.abc', GITHUB_CLIENT_SECRET: 'shh-secret-value' };

function failure(env: Record<string, string | undefined>): string {
  try {
    loadGithubSettings(env, PUBLIC);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail('expected a configuration error');
}

describe('GitHub settings (KEYWAY_IDP=github)', () => {
  test('a missing client id names the variable, where to create the OAuth App, and the callback URL to register', () => {
    const message = failure({ GITHUB_CLIENT_SECRET: 'x' });
    assert.match(message, /^GITHUB_CLIENT_ID: /);
    assert.match(message, /GitHub → Settings → Developer settings → OAuth Apps/);
    assert.match(message, /https:\/\/mcp\.example\.com\/callback/);
    assert.match(failure({ GITHUB_CLIENT_ID: '  ', GITHUB_CLIENT_SECRET: 'x' }), /^GITHUB_CLIENT_ID: /, 'blank is missing');
  });

  test('a missing client secret names its variable, and never echoes the client id or any secret', () => {
    const message = failure({ GITHUB_CLIENT_ID: 'Iv1.abc' });
    assert.match(message, /^GITHUB_CLIENT_SECRET: /);
    assert.match(message, /OAuth Apps/);
    assert.match(message, /https:\/\/mcp\.example\.com\/callback/);
    assert.doesNotMatch(message, /Iv1\.abc/);
    assert.doesNotMatch(failure({ ...REQUIRED, GITHUB_WEB_URL: 'ftp://x' }), /shh-secret-value/);
  });

  test('defaults: github.com, api.github.com, read:user, no allowlists, the callback URL', () => {
    const settings = loadGithubSettings(REQUIRED, PUBLIC);
    assert.deepEqual({ ...settings }, {
      clientId: 'Iv1.abc',
      clientSecret: 'shh-secret-value',
      webBaseUrl: 'https://github.com',
      apiBaseUrl: 'https://api.github.com',
      scopes: ['read:user'],
      allowedUsers: [],
      allowedOrgs: [],
      allowedTeams: [],
      callbackUrl: 'https://mcp.example.com/callback',
    });
    assert.ok(Object.isFrozen(settings));
  });

  test('GitHub Enterprise Server: the API defaults to <web>/api/v3; an explicit API URL wins', () => {
    assert.equal(loadGithubSettings({ ...REQUIRED, GITHUB_WEB_URL: 'https://github.example.com/' }, PUBLIC).apiBaseUrl, 'https://github.example.com/api/v3');
    const explicit = loadGithubSettings({ ...REQUIRED, GITHUB_WEB_URL: 'https://github.example.com', GITHUB_API_URL: 'https://api.github.example.com/' }, PUBLIC);
    assert.equal(explicit.apiBaseUrl, 'https://api.github.example.com');
  });

  test('base URLs must be https (http only on loopback), without query or credentials', () => {
    assert.match(failure({ ...REQUIRED, GITHUB_WEB_URL: 'http://github.example.com' }), /^GITHUB_WEB_URL: must be an https URL/);
    assert.match(failure({ ...REQUIRED, GITHUB_API_URL: 'not a url' }), /^GITHUB_API_URL: /);
    assert.match(failure({ ...REQUIRED, GITHUB_WEB_URL: 'https://u:p@github.example.com' }), /^GITHUB_WEB_URL: must not carry/);
    assert.equal(loadGithubSettings({ ...REQUIRED, GITHUB_WEB_URL: 'http://127.0.0.1:9999' }, PUBLIC).webBaseUrl, 'http://127.0.0.1:9999');
  });

  test('allowlists and scopes are comma- or space-separated; org/team allowlists add read:org by default', () => {
    const settings = loadGithubSettings({ ...REQUIRED, GITHUB_ALLOWED_USERS: 'alice, 1002', GITHUB_ALLOWED_ORGS: 'acme', GITHUB_ALLOWED_TEAMS: 'acme/core acme/platform.team' }, PUBLIC);
    assert.deepEqual(settings.allowedUsers, ['alice', '1002']);
    assert.deepEqual(settings.allowedOrgs, ['acme']);
    assert.deepEqual(settings.allowedTeams, ['acme/core', 'acme/platform.team']);
    assert.deepEqual(settings.scopes, ['read:user', 'read:org']);
    assert.deepEqual(loadGithubSettings({ ...REQUIRED, GITHUB_SCOPES: 'read:user,repo' }, PUBLIC).scopes, ['read:user', 'repo']);
  });

  test('malformed allowlist entries and scopes name their variable', () => {
    assert.match(failure({ ...REQUIRED, GITHUB_ALLOWED_TEAMS: 'core' }), /^GITHUB_ALLOWED_TEAMS: list teams as org\/team-slug/);
    assert.match(failure({ ...REQUIRED, GITHUB_ALLOWED_ORGS: 'ac me/x' }), /^GITHUB_ALLOWED_ORGS: /);
    assert.match(failure({ ...REQUIRED, GITHUB_ALLOWED_USERS: 'alice@example.com' }), /^GITHUB_ALLOWED_USERS: /);
    assert.match(failure({ ...REQUIRED, GITHUB_SCOPES: 'read user"' }), /^GITHUB_SCOPES: /);
  });

  test('the settings feed the GitHub provider as they are', async () => {
    const settings = loadGithubSettings({ ...REQUIRED, GITHUB_WEB_URL: 'https://github.example.com' }, PUBLIC);
    const provider = createGithubIdentityProvider({ ...settings, clock: createFakeClock(), logger: createRecordingLogger() });
    const start = await provider.startLogin({ state: 's', callbackUrl: settings.callbackUrl });
    const url = new URL(start.redirectTo);
    assert.equal(url.origin + url.pathname, 'https://github.example.com/login/oauth/authorize');
    assert.equal(url.searchParams.get('redirect_uri'), 'https://mcp.example.com/callback');
  });
});
