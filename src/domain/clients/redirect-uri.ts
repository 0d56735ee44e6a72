import { DomainError } from '../errors.js';

/**
 * Redirect URI rules, checked once at registration and matched byte for byte at `/authorize`.
 *
 * - https with a real host; http only on the loopback hosts `localhost`, `127.0.0.1`, `[::1]`
 *   (any port). @see RFC 8252 §7.3, §8.3; OAuth 2.1 §2.3.1
 * - no fragment, no userinfo, no relative URI, no empty host, no wildcard. @see RFC 6749 §3.1.2
 * - a private-use scheme only as an exact entry of the configured allowlist (SECURITY.md
 *   Decision 2); script-like schemes never, whatever the allowlist says. @see RFC 8252 §7.1
 * - anything that is not plain printable ASCII is refused outright, so case, whitespace,
 *   control-character and percent-encoding tricks have nothing to hide in (SECURITY.md B3).
 *
 * Registered URIs are stored exactly as given and compared as strings; nothing is normalised.
 */

/** Longest redirect URI accepted (SECURITY.md B6). */
export const MAX_REDIRECT_URI_LENGTH = 2048;

export const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

const DANGEROUS_SCHEMES = new Set(['javascript', 'data', 'file', 'vbscript', 'blob', 'about', 'filesystem', 'view-source', 'jar']);

/** RFC 3986 §3.1 scheme followed by `:`. */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Characters allowed in an RFC 3986 URI, minus `*` (read as a wildcard by pattern matchers) and
 * `#` (fragments are refused, RFC 6749 §3.1.2); `%` must start a well-formed escape.
 */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?[\]@!$&'()+,;=]|%[0-9A-Fa-f]{2})*$/;

/** `http://<loopback host>[:port]<rest>`: the shape whose port may vary (RFC 8252 §7.3). */
const LOOPBACK_HTTP = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/s;

function refuse(message: string): never {
  throw new DomainError('invalid_redirect_uri', message);
}

/** Characters outside printable ASCII (controls, spaces, DEL, any non-ASCII such as U+202E). */
function hasUnprintable(uri: string): boolean {
  for (let i = 0; i < uri.length; i += 1) {
    const code = uri.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return true;
  }
  return false;
}

function checkCharacters(uri: string): void {
  if (uri.length === 0) refuse('redirect URI is empty');
  if (uri.length > MAX_REDIRECT_URI_LENGTH) refuse(`redirect URI is longer than ${MAX_REDIRECT_URI_LENGTH} characters`);
  if (hasUnprintable(uri)) refuse('redirect URI contains whitespace, control or non-ASCII characters');
  if (uri.includes('#')) refuse('redirect URI must not contain a fragment');
  if (uri.includes('*')) refuse('redirect URI must not contain wildcards');
  if (!URI_CHARACTERS.test(uri)) refuse('redirect URI contains characters a URI cannot hold');
}

/** The authority as written (between `//` and the first `/`, `?` or end), or `undefined`. */
function rawAuthority(uri: string, scheme: string): string | undefined {
  const rest = uri.slice(scheme.length + 1);
  if (!rest.startsWith('//')) return undefined;
  const end = rest.slice(2).search(/[/?]/);
  return end === -1 ? rest.slice(2) : rest.slice(2, 2 + end);
}

/** The host as written: `[v6]` with brackets, else everything before the port. */
function rawHost(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1);
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

function validPort(digits: string): boolean {
  return /^\d{1,5}$/.test(digits) && Number(digits) >= 1 && Number(digits) <= 65535;
}

function parses(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

function checkWebUri(uri: string, scheme: 'http' | 'https'): void {
  const authority = rawAuthority(uri, scheme);
  if (authority === undefined) refuse(`${scheme} redirect URI must be absolute (${scheme}://host/…)`);
  if (authority.includes('@')) refuse('redirect URI must not contain userinfo');
  // A percent-escape in the host would be decoded when redirecting, so the host a person sees
  // on the consent page would not be the one the browser goes to.
  if (authority.includes('%')) refuse('redirect URI host must not contain percent-escapes');
  const host = rawHost(authority);
  if (host === '') refuse('redirect URI has an empty host');
  const port = authority.slice(host.length);
  if (port !== '' && !validPort(port.slice(1))) refuse('redirect URI has an invalid port');
  const parsed = parses(uri);
  if (parsed === undefined || parsed.hostname === '') refuse('redirect URI is not a valid URL');
  if (scheme === 'http' && !LOOPBACK_HOSTS.includes(host)) {
    refuse('http redirect URIs are allowed only on localhost, 127.0.0.1 or [::1]; use https');
  }
}

/**
 * Throws `DomainError('invalid_redirect_uri')` unless `uri` may be registered. `allowlist` holds the
 * exact private-use-scheme URIs the operator allows (SECURITY.md Decision 2). Messages never echo
 * the URI, so they are safe to return and to log.
 * @see SECURITY.md B3, B4, B5
 */
export function validateRedirectUri(uri: string, allowlist: readonly string[]): void {
  checkCharacters(uri);
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) refuse('redirect URI must be absolute');
  if (DANGEROUS_SCHEMES.has(scheme)) refuse(`redirect URI scheme ${scheme} is not allowed`);
  if (scheme === 'https' || scheme === 'http') {
    checkWebUri(uri, scheme);
    return;
  }
  if (!allowlist.includes(uri)) refuse('private-use redirect URI schemes are allowed only for URIs on the configured allowlist');
}

/** `uri` with the port of a loopback http URI removed, or `undefined` when it is not one. */
function loopbackWithoutPort(uri: string): string | undefined {
  const match = LOOPBACK_HTTP.exec(uri);
  if (match === null) return undefined;
  const port = match[2];
  if (port !== undefined && !validPort(port)) return undefined;
  return `http://${match[1] ?? ''}${match[3] ?? ''}`;
}

/**
 * The redirect URI to use when a request presents `presented` for a client registered with
 * `registered`, or `undefined` when it does not match. Matching is byte-exact; the one exception is
 * a registered loopback http URI, whose port may differ (host, path, query and scheme stay exact;
 * `localhost` never matches `127.0.0.1`).
 * @see RFC 8252 §7.3, OAuth 2.1 §4.1.3, SECURITY.md C3, C4
 */
export function matchRedirectUri(registered: readonly string[], presented: string): string | undefined {
  if (registered.includes(presented)) return presented;
  const portless = loopbackWithoutPort(presented);
  if (portless === undefined) return undefined;
  return registered.some((uri) => loopbackWithoutPort(uri) === portless) ? presented : undefined;
}
