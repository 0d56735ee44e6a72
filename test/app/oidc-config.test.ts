import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/app/config.js';
import { loadOidcSettings } from '../../src/app/oidc-config.js';

const PUBLIC = new URL('https://mcp.example.com');
const REQUIRED = { OIDC_ISSUER: 'https://login.example.org/realms/acme', OIDC_CLIENT_ID: 'keyway-prod' };

function failure(env: Record<string, string | undefined>): string {
  try {
    loadOidcSettings(env, PUBLIC);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail('expected a configuration error');
}

describe('OpenID Connect settings (KEYWAY_IDP=oidc)', () => {
  test('a missing issuer names the variable, what it is, and the redirect URI to register', () => {
    const message = failure({ OIDC_CLIENT_ID: 'keyway-prod' });
    assert.match(message, /^OIDC_ISSUER: required when KEYWAY_IDP=oidc \(/);
    assert.match(message, /openid-configuration/);
    assert.match(message, /https:\/\/mcp\.example\.com\/callback/);
    assert.match(failure({ OIDC_ISSUER: '   ', OIDC_CLIENT_ID: 'x' }), /^OIDC_ISSUER: required/, 'blank is missing');
  });

  test('a missing client id says where to get it and the redirect URI to register', () => {
    const message = failure({ OIDC_ISSUER: REQUIRED.OIDC_ISSUER });
    assert.match(message, /^OIDC_CLIENT_ID: required when KEYWAY_IDP=oidc \(create an OAuth client/);
    assert.match(message, /redirect URI https:\/\/mcp\.example\.com\/callback/);
  });

  test('minimal settings: the issuer kept exactly as written, no secret (public client), defaults left to the adapter', () => {
    const settings = loadOidcSettings({ ...REQUIRED, OIDC_ISSUER: 'https://login.example.org/realms/acme/' }, PUBLIC);
    assert.deepEqual(settings, { issuer: 'https://login.example.org/realms/acme/', clientId: 'keyway-prod' });
    assert.ok(Object.isFrozen(settings));
  });

  test('every optional setting parsed', () => {
    const settings = loadOidcSettings(
      {
        ...REQUIRED,
        OIDC_CLIENT_SECRET: 's3cret-value',
        OIDC_SCOPES: 'openid profile,email  offline_access',
        OIDC_ALLOWED_EMAIL_DOMAINS: 'Example.com, @example.org',
        OIDC_REQUIRED_CLAIM: 'groups=mcp=users',
        OIDC_USERINFO: 'off',
        UNRELATED: 'ignored',
      },
      PUBLIC,
    );
    assert.deepEqual(settings, {
      ...{ issuer: REQUIRED.OIDC_ISSUER, clientId: 'keyway-prod', clientSecret: 's3cret-value' },
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      allowedEmailDomains: ['example.com', 'example.org'],
      requiredClaim: { name: 'groups', value: 'mcp=users' },
      useUserinfo: false,
    });
    assert.equal(loadOidcSettings({ ...REQUIRED, OIDC_USERINFO: 'on' }, PUBLIC).useUserinfo, true);
  });

  test('the issuer must be https (loopback excepted) and carry no query or fragment', () => {
    assert.match(failure({ ...REQUIRED, OIDC_ISSUER: 'http://login.example.org' }), /^OIDC_ISSUER: must use https unless it is a loopback address/);
    assert.match(failure({ ...REQUIRED, OIDC_ISSUER: 'https://login.example.org/?tenant=1' }), /^OIDC_ISSUER: must not carry a query or fragment/);
    assert.match(failure({ ...REQUIRED, OIDC_ISSUER: 'login.example.org' }), /^OIDC_ISSUER: /);
    assert.equal(loadOidcSettings({ ...REQUIRED, OIDC_ISSUER: 'http://127.0.0.1:9000' }, PUBLIC).issuer, 'http://127.0.0.1:9000');
  });

  test('bad optional values name their variable and the expected form, never echoing a secret', () => {
    assert.match(failure({ ...REQUIRED, OIDC_REQUIRED_CLAIM: 'groups' }), /^OIDC_REQUIRED_CLAIM: must be name=value \(.*groups=mcp-users/);
    assert.match(failure({ ...REQUIRED, OIDC_ALLOWED_EMAIL_DOMAINS: 'not a domain' }), /^OIDC_ALLOWED_EMAIL_DOMAINS: /);
    assert.match(failure({ ...REQUIRED, OIDC_USERINFO: 'yes' }), /^OIDC_USERINFO: .*\(on, off, or unset/);
    assert.match(failure({ ...REQUIRED, OIDC_SCOPES: 'openid "quoted"' }), /^OIDC_SCOPES: /);
    const long = 'x'.repeat(5000);
    assert.doesNotMatch(failure({ ...REQUIRED, OIDC_CLIENT_SECRET: long }), /xxxxxxxx/);
  });
});
