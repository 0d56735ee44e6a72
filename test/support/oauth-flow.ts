import { createHash, randomBytes } from 'node:crypto';
import { createCookieJar, type CookieJar } from './cookie-jar.js';

/**
 * A headless person at a browser: follows Keyway's authorization leg from an authorization URL —
 * consent page (approve), local sign-in page (a user name), callback — and returns the URL the
 * client is finally sent to (its redirect URI with `code`, `state`, `iss`). Used by every test that
 * needs a real token, and by the conformance runner's token proxy.
 */
const hidden = (html: string, name: string): string => {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (match?.[1] === undefined) throw new Error(`no hidden field ${name} in page: ${html.slice(0, 300)}`);
  return match[1].replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
};

const formAction = (html: string): string => {
  const match = /<form method="post" action="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) throw new Error('no form in page');
  return match[1].replaceAll('&amp;', '&');
};

type StepInit = { method?: string; form?: Record<string, string>; origin?: string };

/** The person's browser: cookies kept in `jar`, redirects not followed, over `fetchFn`. */
async function step(jar: CookieJar, url: string, init: StepInit = {}, fetchFn: typeof fetch = fetch): Promise<Response> {
  const headers: Record<string, string> = {};
  const cookie = jar.header();
  if (cookie !== undefined) headers['cookie'] = cookie;
  if (init.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (init.origin !== undefined) headers['origin'] = init.origin;
  const response = await fetchFn(url, {
    method: init.method ?? 'GET',
    headers,
    redirect: 'manual',
    ...(init.form === undefined ? {} : { body: new URLSearchParams(init.form).toString() }),
  });
  jar.store(response);
  return response;
}

function location(response: Response, base: string): string {
  const target = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || target === null) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(target, base).href;
}

/**
 * Plays the user at the identity provider: from the provider URL Keyway redirected to, returns the
 * URL of Keyway's `/callback` the provider sends the browser back to.
 */
export type UpstreamLogin = (redirectTo: string, userName: string, jar: CookieJar) => Promise<string>;

/** The local development sign-in page reached over `fetchFn` (the one trusting a test CA, say): submit the user name. */
export function localSignInOver(fetchFn: typeof fetch): UpstreamLogin {
  return async (loginUrl, userName, jar) => {
    const origin = new URL(loginUrl).origin;
    const login = await step(jar, loginUrl, {}, fetchFn);
    const loginPage = await login.text();
    const signedIn = await step(
      jar,
      new URL(formAction(loginPage), origin).href,
      { method: 'POST', origin, form: { state: hidden(loginPage, 'state'), csrf: hidden(loginPage, 'csrf'), name: userName, decision: 'sign_in' } },
      fetchFn,
    );
    await signedIn.body?.cancel();
    return location(signedIn, origin);
  };
}

/** The local development sign-in page: submit the user name. */
export const localSignIn: UpstreamLogin = localSignInOver(fetch);

/** Drives consent and sign-in from `authorizationUrl` (over `fetchFn`); returns the client redirect URL. */
export async function signInThroughBrowser(
  authorizationUrl: string,
  userName = 'alice',
  jar: CookieJar = createCookieJar(),
  upstream: UpstreamLogin = localSignIn,
  fetchFn: typeof fetch = fetch,
): Promise<URL> {
  const origin = new URL(authorizationUrl).origin;
  const consent = await step(jar, authorizationUrl, {}, fetchFn);
  if (consent.status !== 200) throw new Error(`authorize answered ${consent.status}: ${await consent.text()}`);
  const consentPage = await consent.text();
  const approved = await step(
    jar,
    new URL('/consent', origin).href,
    { method: 'POST', origin, form: { flow: hidden(consentPage, 'flow'), csrf: hidden(consentPage, 'csrf'), decision: 'approve' } },
    fetchFn,
  );
  await approved.body?.cancel();
  const callbackUrl = await upstream(location(approved, origin), userName, jar);
  const callback = await step(jar, callbackUrl, {}, fetchFn);
  await callback.body?.cancel();
  return new URL(location(callback, origin));
}

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface Tokens {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
  readonly scope: string;
  readonly clientId: string;
}

/** Registers a public client, signs in as `userName`, and exchanges the code (all over `fetchFn`): a real token pair. */
export async function obtainTokens(
  origin: string,
  userName = 'alice',
  resource = `${origin}/mcp`,
  upstream: UpstreamLogin = localSignIn,
  fetchFn: typeof fetch = fetch,
): Promise<Tokens> {
  const redirectUri = 'http://127.0.0.1:9/callback';
  const registered = await fetchFn(new URL('/register', origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', client_name: 'keyway-tests' }),
  });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const { client_id: clientId } = (await registered.json()) as { client_id: string };
  const pkce = createPkce();
  const authorize = new URL('/authorize', origin);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state: 'test-state',
    resource,
  })) authorize.searchParams.set(name, value);
  const back = await signInThroughBrowser(authorize.href, userName, createCookieJar(), upstream, fetchFn);
  const code = back.searchParams.get('code');
  if (code === null) throw new Error(`no code in ${back.href}`);
  const token = await fetchFn(new URL('/token', origin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: pkce.verifier, resource }).toString(),
  });
  if (token.status !== 200) throw new Error(`token answered ${token.status}: ${await token.text()}`);
  return { ...((await token.json()) as Omit<Tokens, 'clientId'>), clientId };
}
