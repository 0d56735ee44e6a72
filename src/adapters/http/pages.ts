import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ConsentView } from '../../domain/grants/authorization-flow.js';

/**
 * The HTML of the browser flow: consent, sign-in and error pages. Plain forms that work without
 * JavaScript; every dynamic value escaped; no third-party assets; no script at all; unframeable.
 * @see RFC 9700 §4.16 (clickjacking), SECURITY.md D3, D4, D9, E3
 */
const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}',
  'h1{font-size:1.4rem}.muted{color:#555;font-size:.9rem}.warn{background:#fff4ce;border:1px solid #e0b400;padding:.6rem;border-radius:4px}',
  'code{word-break:break-all}ul{padding-left:1.2rem}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.6rem}',
  'input[type=text]{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}.error{color:#a00000}',
].join('');

/** The stylesheet is allowed by its hash, so the policy needs no `'unsafe-inline'`. */
const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/** Headers every flow page carries (SECURITY.md D4, D9; C9 for `no-store`). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; frame-ancestors 'none'`,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
});

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/**
 * Text a client chose, made safe to show: control and bidirectional-formatting characters (a
 * U+202E override can make a name read backwards) become visible `U+XXXX`, and it is cut at
 * `max` characters. The caller still escapes it. @see SECURITY.md B7, D3
 */
export function displayText(text: string, max = 200): string {
  const visible = [...text].map((char) => (isInvisible(char.charCodeAt(0)) ? `[U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]` : char)).join('');
  return visible.length > max ? `${visible.slice(0, max)}…` : visible;
}

/** C0/C1 controls, zero-width and bidirectional formatting characters, the BOM. */
function isInvisible(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function sendPage(res: ServerResponse, status: number, html: string, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.writeHead(status, { ...headers, ...PAGE_HEADERS, 'Content-Length': String(Buffer.byteLength(html)) });
  res.end(html);
}

export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p class="muted">You can close this window.</p>`);
}

/** A local error page: the client is not redirected to (Decision 3). */
export function sendErrorPage(res: ServerResponse, status: number, message: string): void {
  const title = status >= 500 ? 'Temporarily unavailable' : status === 403 ? 'Request refused' : 'Invalid request';
  sendPage(res, status, errorPage(title, message), status === 503 ? { 'Retry-After': '30' } : {});
}

/** Where the redirect goes, as a person should read it: the host for https, `scheme://host` otherwise. */
export function redirectHost(redirectUri: string): string {
  try {
    const url = new URL(redirectUri);
    return url.protocol === 'https:' ? url.host : `${url.protocol}//${url.host}`;
  } catch {
    return redirectUri;
  }
}

function clientLine(view: ConsentView): string {
  const name = view.clientName === undefined || view.clientName.trim() === '' ? 'An unnamed application' : view.clientName;
  const shown = `<strong><bdi>${escapeHtml(displayText(name))}</bdi></strong>`;
  if (view.clientKind === 'preregistered') return `<p>${shown} <span class="muted">(registered by the operator of this server)</span></p>`;
  const origin = view.clientKind === 'metadata_document' ? `, identified by <code>${escapeHtml(redirectHost(view.clientId))}</code>` : '';
  return `<p>${shown} <span class="muted">(dynamically registered, unverified${origin})</span></p>`;
}

const LOOPBACK_WARNING =
  '<p class="warn">This application receives the result on this computer (a loopback address). Only continue if you started it yourself just now.</p>';

export interface ConsentPageInput {
  readonly view: ConsentView;
  readonly flowId: string;
  readonly csrfToken: string;
}

export function consentPage({ view, flowId, csrfToken }: ConsentPageInput): string {
  const scopes = view.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  return layout(
    'Allow access?',
    [
      '<h1>Allow this application to use your account here?</h1>',
      clientLine(view),
      `<p>After you sign in, you will be sent to <strong>${escapeHtml(redirectHost(view.redirectUri))}</strong>.</p>`,
      `<p class="muted">Redirect address: <code>${escapeHtml(view.redirectUri)}</code></p>`,
      view.allLoopback ? LOOPBACK_WARNING : '',
      `<p>It asks for:</p><ul>${scopes}</ul>`,
      '<form method="post" action="/consent">',
      `<input type="hidden" name="flow" value="${escapeHtml(flowId)}"><input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">`,
      '<button type="submit" name="decision" value="approve">Allow</button><button type="submit" name="decision" value="deny">Deny</button>',
      '</form>',
      '<p class="muted">If you did not just connect an application, choose Deny.</p>',
    ].join(''),
  );
}

export interface SignInPageInput {
  readonly action: string;
  readonly state: string;
  readonly csrfToken: string;
  readonly name?: string;
  readonly error?: string;
}

/** The local development sign-in form (no password: it is refused unless deliberately enabled). */
export function signInPage({ action, state, csrfToken, name, error }: SignInPageInput): string {
  return layout(
    'Sign in (development)',
    [
      '<h1>Sign in</h1>',
      '<p class="warn">Development sign-in: anyone who reaches this page can sign in as any name.</p>',
      error === undefined ? '' : `<p class="error">${escapeHtml(error)}</p>`,
      `<form method="post" action="${escapeHtml(action)}">`,
      `<input type="hidden" name="state" value="${escapeHtml(state)}"><input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">`,
      `<p><label for="name">User name</label><br><input type="text" id="name" name="name" required maxlength="64" pattern="[A-Za-z0-9._\\-]{1,64}" autocomplete="username" value="${escapeHtml(name ?? '')}"></p>`,
      '<button type="submit" name="decision" value="sign_in">Sign in</button><button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>',
      '</form>',
      '<p class="muted">1–64 letters, digits, dots, dashes or underscores.</p>',
    ].join(''),
  );
}
