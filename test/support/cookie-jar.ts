/**
 * A tiny cookie jar for browser-like tests over `fetch` with `redirect: 'manual'`: one origin,
 * cookies by name, `Max-Age` honoured against a clock the test controls (seconds), attributes kept
 * so tests can assert them. Like a browser on a loopback origin, it accepts `Secure` cookies over
 * http (loopback is a potentially trustworthy origin).
 */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names and values as sent, e.g. `{ 'max-age': '600', path: '/', secure: '' }`. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Epoch seconds, or `undefined` for a session cookie. */
  readonly expiresAt?: number;
}

export interface CookieJar {
  /** Stores every `Set-Cookie` of `response`. */
  store(response: Response): void;
  /** The `Cookie` header to send, or `undefined` when the jar is empty. */
  header(): string | undefined;
  get(name: string): StoredCookie | undefined;
  /** Replaces or adds a cookie by hand (to tamper with one, or to move one to another jar). */
  put(name: string, value: string): void;
  delete(name: string): void;
  names(): string[];
}

function parseSetCookie(line: string, now: number): StoredCookie | undefined {
  const [pair = '', ...rest] = line.split(';');
  const equals = pair.indexOf('=');
  if (equals <= 0) return undefined;
  const attributes: Record<string, string> = {};
  for (const part of rest) {
    const [key = '', ...value] = part.split('=');
    attributes[key.trim().toLowerCase()] = value.join('=').trim();
  }
  const maxAge = attributes['max-age'];
  const expiry = maxAge === undefined ? {} : { expiresAt: now + Number(maxAge) };
  return { name: pair.slice(0, equals).trim(), value: pair.slice(equals + 1).trim(), attributes, ...expiry };
}

export function createCookieJar(now: () => number = () => Math.floor(Date.now() / 1000)): CookieJar {
  const cookies = new Map<string, StoredCookie>();
  const live = (): StoredCookie[] => [...cookies.values()].filter((cookie) => cookie.expiresAt === undefined || cookie.expiresAt > now());
  return {
    store(response) {
      for (const line of response.headers.getSetCookie()) {
        const cookie = parseSetCookie(line, now());
        if (cookie === undefined) continue;
        if (cookie.expiresAt !== undefined && cookie.expiresAt <= now()) cookies.delete(cookie.name);
        else cookies.set(cookie.name, cookie);
      }
    },
    header() {
      const sent = live();
      return sent.length === 0 ? undefined : sent.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
    },
    get: (name) => live().find((cookie) => cookie.name === name),
    put(name, value) {
      cookies.set(name, { name, value, attributes: {} });
    },
    delete(name) {
      cookies.delete(name);
    },
    names: () => live().map((cookie) => cookie.name),
  };
}
