import { createCookieJar, type CookieJar } from '../support/cookie-jar.js';
import { createPkce, type Pkce } from '../support/oauth-flow.js';

/**
 * A scripted hosted client and its user's browser, each step a separate call so a test can stop
 * wherever a real client gives up. The client's own requests carry `X-Forwarded-For: <address>`
 * (Keyway trusts the loopback proxy in these tests), the browser's another address, as with a
 * hosted client whose servers and whose user are in different places.
 */
export const REDIRECT_URI = 'https://client.example/oauth/callback';

export interface ScriptedClient {
  readonly address: string;
  probe(): Promise<Response>;
  metadata(): Promise<void>;
  register(): Promise<string>;
  /** The browser opens the authorization URL; resolves to the response (consent page, or a refusal). */
  authorize(clientId: string, redirectUri?: string): Promise<Response>;
  /** The browser submits the consent form of the page `authorize` returned. */
  consent(page: string, decision: 'approve' | 'deny'): Promise<Response>;
  /** The browser signs in on the local page the approval redirected to; resolves to Keyway's callback URL. */
  signIn(loginUrl: string, decision?: 'sign_in' | 'cancel'): Promise<string>;
  /** The browser follows the sign-in back to `/callback`; `dropState` plays a browser that lost the state cookie. */
  callback(callbackUrl: string, options?: { dropState?: boolean }): Promise<Response>;
  token(clientId: string, code: string, verifier?: string): Promise<Response>;
  mcp(accessToken: string): Promise<Response>;
  readonly pkce: Pkce;
  readonly jar: CookieJar;
}

const hidden = (html: string, name: string): string => {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (match?.[1] === undefined) throw new Error(`no hidden field ${name} in page`);
  return match[1].replaceAll('&amp;', '&');
};

export function location(response: Response, origin: string): string {
  const target = response.headers.get('location');
  if (target === null) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(target, origin).href;
}

export function scriptedClient(origin: string, address: string, browserAddress = `198.51.100.${address.split('.').pop() ?? '1'}`): ScriptedClient {
  const pkce = createPkce();
  const jar = createCookieJar();
  const asClient = (extra: Record<string, string> = {}): Record<string, string> => ({ 'x-forwarded-for': address, 'user-agent': 'Claude-User', ...extra });
  const browse = async (url: string, init: { method?: string; form?: Record<string, string>; omit?: string } = {}): Promise<Response> => {
    const headers: Record<string, string> = { 'x-forwarded-for': browserAddress, 'sec-fetch-site': init.form === undefined ? 'cross-site' : 'same-origin' };
    const cookie = jar.header()?.split('; ').filter((pair) => init.omit === undefined || !pair.startsWith(`${init.omit}=`)).join('; ');
    if (cookie !== undefined && cookie !== '') headers['cookie'] = cookie;
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['origin'] = origin;
    }
    const response = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(init.form === undefined ? {} : { body: new URLSearchParams(init.form).toString() }) });
    jar.store(response);
    return response;
  };
  return {
    address,
    pkce,
    jar,
    probe: () => fetch(`${origin}/mcp`, { method: 'POST', headers: asClient({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }), body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' }),
    async metadata() {
      for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server']) {
        const response = await fetch(`${origin}${path}`, { headers: asClient() });
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        await response.arrayBuffer();
      }
    },
    async register() {
      const response = await fetch(`${origin}/register`, {
        method: 'POST',
        headers: asClient({ 'content-type': 'application/json' }),
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', client_name: 'scripted', grant_types: ['authorization_code', 'refresh_token'] }),
      });
      if (response.status !== 201) throw new Error(`register answered ${response.status}`);
      return ((await response.json()) as { client_id: string }).client_id;
    },
    authorize(clientId, redirectUri = REDIRECT_URI) {
      const url = new URL('/authorize', origin);
      const params = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'scripted-state', resource: `${origin}/mcp` };
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return browse(url.href);
    },
    consent: (page, decision) => browse(`${origin}/consent`, { method: 'POST', form: { flow: hidden(page, 'flow'), csrf: hidden(page, 'csrf'), decision } }),
    async signIn(loginUrl, decision = 'sign_in') {
      const page = await (await browse(loginUrl)).text();
      const signedIn = await browse(new URL('/login/local', origin).href, { method: 'POST', form: { state: hidden(page, 'state'), csrf: hidden(page, 'csrf'), name: 'alice', decision } });
      return location(signedIn, origin);
    },
    callback: (callbackUrl, options = {}) => browse(callbackUrl, options.dropState === true ? { omit: '__Host-keyway-state' } : {}),
    token: (clientId, code, verifier = pkce.verifier) =>
      fetch(`${origin}/token`, {
        method: 'POST',
        headers: asClient({ 'content-type': 'application/x-www-form-urlencoded' }),
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: verifier, resource: `${origin}/mcp` }).toString(),
      }),
    mcp: (accessToken) =>
      fetch(`${origin}/mcp`, {
        method: 'POST',
        headers: asClient({ authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }),
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'scripted', version: '1' } } }),
      }),
  };
}
