import { createCookieJar, type CookieJar } from './cookie-jar.js';
import { localSignIn } from './oauth-flow.js';

/**
 * Browser pieces the SDK end-to-end tests need beyond `signInThroughBrowser`: a cookie jar that
 * also remembers every credential the browser was handed (for the log-hygiene check, SECURITY.md
 * M1), and a sign-in that starts as a same-origin navigation, so a remembered consent applies
 * (SECURITY.md D8) and the consent page must not appear.
 */
export interface RecordingJar extends CookieJar {
  /**
   * Every secret-looking value (20 characters or more) the browser has seen so far: cookie values
   * and their signed parts, hidden form fields, and `code`/`state` in redirects.
   */
  seen(): Promise<string[]>;
}

const MIN_SECRET_LENGTH = 20;

function cookieParts(setCookie: string): string[] {
  const value = setCookie.split(';')[0]?.split('=').slice(1).join('=') ?? '';
  const parts = value.split('.');
  const inner = Buffer.from(parts[0] ?? '', 'base64url').toString('utf8');
  return [value, ...parts, inner];
}

function redirectParts(response: Response): string[] {
  const location = response.headers.get('location');
  if (location === null) return [];
  const params = new URL(location, 'http://placeholder.invalid').searchParams;
  return [...params.getAll('code'), ...params.getAll('state')];
}

function hiddenFields(html: string): string[] {
  return [...html.matchAll(/type="hidden" name="[^"]+" value="([^"]*)"/g)].map((match) => match[1] ?? '');
}

/** A {@link CookieJar} that also keeps every credential passing through the browser. */
export function createRecordingJar(): RecordingJar {
  const jar = createCookieJar();
  const values = new Set<string>();
  const pages: Array<Promise<string>> = [];
  const keep = (candidates: readonly string[]): void => {
    for (const candidate of candidates) if (candidate.length >= MIN_SECRET_LENGTH) values.add(candidate);
  };
  return {
    ...jar,
    store(response) {
      jar.store(response);
      for (const line of response.headers.getSetCookie()) keep(cookieParts(line));
      keep(redirectParts(response));
      if (response.status === 200) pages.push(response.clone().text());
    },
    async seen() {
      for (const page of await Promise.all(pages)) keep(hiddenFields(page));
      return [...values];
    },
  };
}

async function get(jar: CookieJar, url: string, headers: Record<string, string> = {}): Promise<Response> {
  const cookie = jar.header();
  const response = await fetch(url, { headers: { ...headers, ...(cookie === undefined ? {} : { cookie }) }, redirect: 'manual' });
  jar.store(response);
  return response;
}

function redirectTarget(response: Response, base: string): string {
  const location = response.headers.get('location');
  if (response.status !== 302 && response.status !== 303) throw new Error(`expected a 302/303 redirect, got ${response.status}`);
  if (location === null) throw new Error('a redirect without Location');
  return new URL(location, base).href;
}

/**
 * Opens `authorizationUrl` as a same-origin navigation (`Sec-Fetch-Site: same-origin`, as when
 * the person follows a link on Keyway's own pages) with `jar`'s cookies. A remembered consent
 * must then skip the consent page and go straight to sign-in; anything else throws.
 */
export async function signInRemembered(authorizationUrl: string, userName: string, jar: CookieJar): Promise<URL> {
  const authorize = await get(jar, authorizationUrl, { 'sec-fetch-site': 'same-origin' });
  if (authorize.status === 200) throw new Error('the consent page was shown although consent is remembered');
  const loginUrl = redirectTarget(authorize, authorizationUrl);
  if (new URL(loginUrl).pathname !== '/login/local') throw new Error(`expected the sign-in page, was sent to ${loginUrl}`);
  const callback = await get(jar, await localSignIn(loginUrl, userName, jar));
  return new URL(redirectTarget(callback, authorizationUrl));
}
