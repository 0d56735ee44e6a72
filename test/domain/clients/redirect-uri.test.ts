import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDomainError } from '../../../src/domain/errors.js';
import { matchRedirectUri, validateRedirectUri } from '../../../src/domain/clients/redirect-uri.js';

const ALLOWLIST = ['cursor://anysphere.cursor-mcp/oauth/callback'];

function refusedCode(uri: string, allowlist: readonly string[] = ALLOWLIST): string | undefined {
  try {
    validateRedirectUri(uri, allowlist);
  } catch (error) {
    return isDomainError(error) ? error.code : 'not a domain error';
  }
  return undefined;
}

function assertRefused(uris: readonly string[], allowlist: readonly string[] = ALLOWLIST): void {
  for (const uri of uris) assert.equal(refusedCode(uri, allowlist), 'invalid_redirect_uri', JSON.stringify(uri));
}

function assertAccepted(uris: readonly string[], allowlist: readonly string[] = ALLOWLIST): void {
  for (const uri of uris) assert.equal(refusedCode(uri, allowlist), undefined, JSON.stringify(uri));
}

test('B1 interop redirect URIs of real clients are accepted', () => {
  assertAccepted([
    'https://claude.ai/api/mcp/auth_callback',
    'https://claude.com/api/mcp/auth_callback',
    'https://chatgpt.com/connector_platform_oauth_redirect',
    'https://chatgpt.com/connector/oauth/abc123',
    'cursor://anysphere.cursor-mcp/oauth/callback',
    'https://www.cursor.com/agents/mcp/oauth/callback',
    'http://localhost:8787/callback',
    'http://localhost:49152/callback',
    'http://127.0.0.1:49152/callback',
    'http://127.0.0.1:33418/',
    'https://vscode.dev/redirect',
    'http://localhost:6274/oauth/callback',
    'http://localhost:6274/oauth/callback/debug',
  ]);
});

test('B3 dangerous schemes are refused, with case, whitespace, control-character and percent-encoding evasions', () => {
  const everything = ['javascript:alert(1)', ...ALLOWLIST];
  assertRefused(
    [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'JAVASCRIPT:alert(1)',
      ' javascript:alert(1)',
      'javascript :alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      '\u0000javascript:alert(1)',
      'javascript\u0000:alert(1)',
      'java%73cript:alert(1)',
      '%6Aavascript:alert(1)',
      'javascript%3Aalert(1)',
      'javascript://example.com/%0Aalert(1)',
      'data:text/html,<script>alert(1)</script>',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'DATA:text/html,x',
      'file:///etc/passwd',
      'FILE://localhost/etc/passwd',
      'vbscript:msgbox(1)',
      'VBScript:msgbox(1)',
      'blob:https://claude.ai/uuid',
      'about:blank',
      'https://claude.ai/cb\u0000',
      'https://claude.ai/cb\r\nSet-Cookie:x=1',
      'https://claude.ai/cb ',
      '\u00a0https://claude.ai/cb',
      'https://claude.ai/\u202ebc',
    ],
    everything,
  );
  // Even an operator's allowlist cannot let a script scheme through.
  assert.equal(refusedCode('javascript:alert(1)', everything), 'invalid_redirect_uri');
});

test('B4 http off loopback, fragments, relative URIs, userinfo, empty hosts and wildcards are refused', () => {
  assertRefused([
    'http://evil.example/cb',
    'http://192.168.1.5/cb',
    'http://10.0.0.1/cb',
    'http://0x7f.0.0.1/cb',
    'http://2130706433/cb',
    'http://[::ffff:127.0.0.1]/cb',
    'http://localhost.evil.example/cb',
    'http://localhost@evil.example/cb',
    'http://LOCALHOST/cb',
    'https://a.example/cb#x',
    'https://a.example/cb#',
    '/cb',
    'cb',
    '//a.example/cb',
    '',
    'https://claude.ai@evil.example/cb',
    'https://user:pass@a.example/cb',
    'https:///cb',
    'https://',
    'https:/a.example/cb',
    'https:a.example/cb',
    'https:\\\\a.example\\cb',
    'https://*.example.com/cb',
    'https://example.com/*',
    'https://example.com/cb?x=*',
    'https://example.com/{id}',
    'https://a.example:99999/cb',
    'https://a.example:x/cb',
    'http://localhost:0/cb',
    'https://claude.ai%2eevil.example/cb',
    'https://%65vil.example/cb',
    'https://a.example/%zz',
    `https://a.example/${'a'.repeat(2048)}`,
  ]);
});

test('B4 loopback http on any port is accepted: localhost, 127.0.0.1 and [::1]', () => {
  assertAccepted([
    'http://localhost/cb',
    'http://localhost:1/cb',
    'http://localhost:65535/cb',
    'http://127.0.0.1/callback',
    'http://127.0.0.1:50123/callback',
    'http://[::1]/cb',
    'http://[::1]:8080/cb',
    'http://localhost:3000',
    'http://127.0.0.1:8080/cb?x=1',
    'https://localhost:8443/cb',
    'https://a.example:8443/cb?client=1&x=%20',
  ]);
});

test('B5 private-use schemes only as exact allowlist entries', () => {
  assertAccepted(['cursor://anysphere.cursor-mcp/oauth/callback']);
  assertRefused([
    'myapp://cb',
    'com.example.app:/cb',
    'cursor://anysphere.cursor-mcp/oauth/callback/extra',
    'cursor://anysphere.cursor-mcp/oauth/callbac',
    'cursor://evil.example/oauth/callback',
    'CURSOR://anysphere.cursor-mcp/oauth/callback',
    'cursor://anysphere.cursor-mcp/oauth/callback?x=1',
    'vscode://vscode.github-authentication/did-authenticate',
  ]);
  assertRefused(['cursor://anysphere.cursor-mcp/oauth/callback'], []);
  assertAccepted(['com.example.app:/cb'], ['com.example.app:/cb']);
});

test('messages never echo the URI (safe to return and log)', () => {
  try {
    validateRedirectUri('http://evil.example/<script>', ALLOWLIST);
    assert.fail('accepted');
  } catch (error) {
    assert.ok(error instanceof Error);
    assert.ok(!error.message.includes('evil.example'));
  }
});

test('C3 near-miss variants of a registered URI do not match', () => {
  const registered = ['https://claude.ai/api/mcp/auth_callback', 'https://app.example/cb?tenant=1'];
  for (const presented of [
    'https://Claude.ai/api/mcp/auth_callback',
    'https://claude.ai/api/mcp/Auth_callback',
    'HTTPS://claude.ai/api/mcp/auth_callback',
    'https://claude.ai/api/mcp/auth_callback/',
    'https://claude.ai/api/mcp/auth_callbackx',
    'https://claude.ai/api/mcp/auth_callback ',
    'https://claude.ai/api/mcp/../mcp/auth_callback',
    'https://claude.ai/api/mcp/auth%5Fcallback',
    'https://claude.ai@evil.example/api/mcp/auth_callback',
    'https://claude.ai.evil.example/api/mcp/auth_callback',
    'https://claude.ai:443/api/mcp/auth_callback',
    'http://claude.ai/api/mcp/auth_callback',
    'https://c1aude.ai/api/mcp/auth_callback',
    'https://сlaude.ai/api/mcp/auth_callback',
    'https://claude.ai/api/mcp/auth_callback#x',
    'https://claude.ai/api/mcp/auth_callback?x=1',
    'https://app.example/cb?tenant=2',
    'https://app.example/cb',
    'https://app.example/cb?tenant=1&x=1',
    '',
  ]) {
    assert.equal(matchRedirectUri(registered, presented), undefined, presented);
  }
  assert.equal(matchRedirectUri(registered, 'https://app.example/cb?tenant=1'), 'https://app.example/cb?tenant=1');
});

test('C4 loopback port may vary; host, path, query and scheme stay exact', () => {
  const registered = ['http://127.0.0.1:33418/cb'];
  assert.equal(matchRedirectUri(registered, 'http://127.0.0.1:50123/cb'), 'http://127.0.0.1:50123/cb');
  assert.equal(matchRedirectUri(registered, 'http://127.0.0.1/cb'), 'http://127.0.0.1/cb');
  assert.equal(matchRedirectUri(registered, 'http://127.0.0.1:50123/other'), undefined);
  assert.equal(matchRedirectUri(registered, 'http://localhost:50123/cb'), undefined);
  assert.equal(matchRedirectUri(registered, 'https://127.0.0.1:50123/cb'), undefined);
  assert.equal(matchRedirectUri(registered, 'http://127.0.0.1:50123/cb?x=1'), undefined);
  assert.equal(matchRedirectUri(registered, 'http://127.0.0.1:99999/cb'), undefined);
  assert.equal(matchRedirectUri(registered, 'http://127.0.0.1:/cb'), undefined);
  const localhost = ['http://localhost/callback'];
  assert.equal(matchRedirectUri(localhost, 'http://localhost:8080/callback'), 'http://localhost:8080/callback');
  assert.equal(matchRedirectUri(localhost, 'http://localhost.evil.example/callback'), undefined);
  assert.equal(matchRedirectUri(localhost, 'http://localhost@evil.example/callback'), undefined);
  assert.equal(matchRedirectUri(localhost, 'http://localhost:8080@evil.example/callback'), undefined);
  assert.equal(matchRedirectUri(localhost, 'http://127.0.0.1:8080/callback'), undefined);
  assert.equal(matchRedirectUri(['http://[::1]:1/cb'], 'http://[::1]:2/cb'), 'http://[::1]:2/cb');
  // An https URI on a loopback host is not a native-app loopback redirect: its port is exact.
  assert.equal(matchRedirectUri(['https://localhost:8443/cb'], 'https://localhost:9443/cb'), undefined);
});

test('K7 100 KB redirect URIs are refused or unmatched in well under 100 ms', () => {
  const long = `http://localhost:1/${'a'.repeat(100_000)}`;
  const started = performance.now();
  assert.equal(refusedCode(long), 'invalid_redirect_uri');
  assert.equal(refusedCode(`https://a.example/${'%'.repeat(100_000)}`), 'invalid_redirect_uri');
  assert.equal(matchRedirectUri(['http://localhost/cb'], long), undefined);
  assert.equal(matchRedirectUri(['http://localhost/cb'], `http://localhost:1/cb${'?'.repeat(100_000)}`), undefined);
  assert.ok(performance.now() - started < 100);
});
