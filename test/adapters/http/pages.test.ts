import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consentPage, displayText, errorPage, escapeHtml, PAGE_HEADERS, redirectHost, signInPage } from '../../../src/adapters/http/pages.js';
import type { ConsentView } from '../../../src/domain/grants/authorization-flow.js';

function view(overrides: Partial<ConsentView> = {}): ConsentView {
  return { clientId: 'c-1', clientName: 'Claude', clientKind: 'dynamic', redirectUri: 'https://claude.ai/api/mcp/auth_callback', allLoopback: false, scopes: ['mcp'], ...overrides };
}

function page(overrides: Partial<ConsentView> = {}): string {
  return consentPage({ view: view(overrides), flowId: 'flow"1', csrfToken: 'csrf<1>' });
}

describe('flow pages (D3, D4, D9, B7)', () => {
  test('D4 D9 headers: CSP without script and frame-ancestors none, X-Frame-Options DENY, no-referrer, no-store', () => {
    const csp = PAGE_HEADERS['Content-Security-Policy'] ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline|unsafe-eval|https?:/);
    assert.equal(PAGE_HEADERS['X-Frame-Options'], 'DENY');
    assert.equal(PAGE_HEADERS['Referrer-Policy'], 'no-referrer');
    assert.equal(PAGE_HEADERS['Cache-Control'], 'no-store');
  });

  test('D9 pages load nothing from anywhere: no script, no external URL, no image or font', () => {
    for (const html of [page(), signInPage({ action: '/login/local', state: 's', csrfToken: 'c' }), errorPage('Oops', 'message')]) {
      assert.doesNotMatch(html, /<script|<img|<link|<iframe|@import|url\(|src=/i);
      assert.doesNotMatch(html, /https?:\/\/(?!claude\.ai)/);
    }
  });

  test('B7 D3 hostile client names render as plain text and are marked unverified', () => {
    const html = page({ clientName: '<img src=x onerror=alert(1)>' });
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /dynamically registered, unverified/);
    const bidi = page({ clientName: 'evil\u202Eexe.pdf' });
    assert.ok(bidi.includes('evil[U+202E]exe.pdf'));
    assert.doesNotMatch(bidi, /\u202E/);
    const cyrillic = page({ clientName: '\u0421laude' });
    assert.match(cyrillic, /\u0421laude/);
    assert.match(cyrillic, /unverified/);
  });

  test('D3 the page shows the redirect host, the scopes, and a loopback warning only for loopback-only clients', () => {
    const html = page({ scopes: ['mcp', 'tools:write'] });
    assert.match(html, /sent to <strong>claude\.ai<\/strong>/);
    assert.match(html, /<code>mcp<\/code>.*<code>tools:write<\/code>/);
    assert.doesNotMatch(html, /loopback address/);
    assert.match(page({ redirectUri: 'http://127.0.0.1:33418/cb', allLoopback: true }), /sent to <strong>http:\/\/127\.0\.0\.1:33418<\/strong>.*loopback address/);
  });

  test('D3 a pre-registered client is not marked unverified; a metadata-document client names its host', () => {
    assert.doesNotMatch(page({ clientKind: 'preregistered' }), /unverified/);
    assert.match(page({ clientKind: 'metadata_document', clientId: 'https://claude.ai/oauth/mcp-oauth-client-metadata' }), /unverified, identified by <code>claude\.ai<\/code>/);
    assert.match(page({ clientName: undefined }), /An unnamed application/);
  });

  test('hidden fields are escaped; the consent form posts to /consent with Allow and Deny', () => {
    const html = page();
    assert.match(html, /<form method="post" action="\/consent">/);
    assert.match(html, /name="flow" value="flow&quot;1"/);
    assert.match(html, /name="csrf" value="csrf&lt;1&gt;"/);
    assert.match(html, /value="approve">Allow<.*value="deny">Deny</);
  });

  test('helpers: escapeHtml, displayText truncation, redirectHost', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(displayText('x'.repeat(300)).length, 201);
    assert.equal(displayText('tab\there'), 'tab[U+0009]here');
    assert.equal(redirectHost('cursor://anysphere.cursor-mcp/oauth/callback'), 'cursor://anysphere.cursor-mcp');
    assert.equal(redirectHost('https://claude.ai/x'), 'claude.ai');
  });
});
