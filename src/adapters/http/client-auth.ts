import type { IncomingMessage } from 'node:http';
import type { Client } from '../../domain/clients/client.js';
import type { ClientCredentials, ClientRegistry } from '../../domain/clients/registry.js';
import { DomainError } from '../../domain/errors.js';
import type { OAuthForm } from './oauth-form.js';

/**
 * Client authentication at the token and revocation endpoints: HTTP Basic, `client_id` +
 * `client_secret` in the body, or a public client's bare `client_id`. Exactly one method per
 * request (RFC 6749 §2.3: "MUST NOT use more than one authentication method").
 * @see RFC 6749 §2.3.1, §3.2.1; RFC 7617; SECURITY.md F11, G7
 */
export type PresentedCredentials =
  | { readonly ok: true; readonly credentials: ClientCredentials; readonly basic: boolean }
  | { readonly ok: false; readonly error: DomainError; readonly basic: boolean };

export type ClientAuthentication =
  | { readonly ok: true; readonly client: Client; readonly basic: boolean }
  /** `error` is a `DomainError` (`invalid_client`, `invalid_request`, `storage_unavailable` …) or an unexpected failure. */
  | { readonly ok: false; readonly error: unknown; readonly basic: boolean };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function refused(code: 'invalid_client' | 'invalid_request', message: string, basic: boolean): PresentedCredentials {
  return { ok: false, error: new DomainError(code, message), basic };
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding. Clients that skip it are tolerated. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** `Basic <base64(id:secret)>` → id and secret; `undefined` when malformed. */
function parseBasic(value: string): { readonly clientId: string; readonly secret: string } | undefined {
  const [scheme, encoded, extra] = value.trim().split(/ +/);
  if (scheme?.toLowerCase() !== 'basic' || encoded === undefined || extra !== undefined || !BASE64.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/** Basic credentials; a `client_secret` in the body too, or a different `client_id` there, is two methods at once. */
function fromBasic(header: string, form: OAuthForm): PresentedCredentials {
  const basic = parseBasic(header);
  if (basic === undefined) return refused('invalid_client', 'malformed or unsupported Authorization header', true);
  if (form['client_secret'] !== undefined) return refused('invalid_request', 'client credentials were sent both in the Authorization header and in the body', true);
  if (form['client_id'] !== undefined && form['client_id'] !== basic.clientId) {
    return refused('invalid_request', 'client_id in the body differs from the Authorization header', true);
  }
  return { ok: true, credentials: { clientId: basic.clientId, method: 'client_secret_basic', secret: basic.secret }, basic: true };
}

/** Body credentials: `client_secret_post`, or `none` for a public client's bare `client_id`. */
function fromBody(form: OAuthForm): PresentedCredentials {
  const clientId = form['client_id'];
  const secret = form['client_secret'];
  if (clientId === undefined) return refused('invalid_client', 'client authentication is required (send client_id)', false);
  if (secret === undefined) return { ok: true, credentials: { clientId, method: 'none' }, basic: false };
  return { ok: true, credentials: { clientId, method: 'client_secret_post', secret }, basic: false };
}

/**
 * The credentials a request presents, before any lookup. Two `Authorization` headers → 400
 * `invalid_request`; a header that is not well-formed Basic → 401 `invalid_client` with a Basic
 * challenge (RFC 6749 §5.2).
 */
export function presentedCredentials(req: IncomingMessage, form: OAuthForm): PresentedCredentials {
  const headers = req.headersDistinct['authorization'] ?? [];
  if (headers.length > 1) return refused('invalid_request', 'more than one Authorization header', true);
  const header = headers[0];
  return header === undefined ? fromBody(form) : fromBasic(header, form);
}

/** The client a request names, authenticated or not: for rate limiting and logs, never for access. */
export function claimedClientId(presented: PresentedCredentials, form: OAuthForm): string | undefined {
  return presented.ok ? presented.credentials.clientId : form['client_id'];
}

/**
 * Authenticates the presented credentials with the registry. An unknown client, a wrong or expired
 * secret, or a method other than the registered one → `invalid_client` (401: the signal for
 * clients to register again, CLIENTS.md 1.6); `basic` says whether the 401 needs a Basic challenge.
 */
export async function authenticateClient(registry: ClientRegistry, presented: PresentedCredentials): Promise<ClientAuthentication> {
  if (!presented.ok) return presented;
  try {
    return { ok: true, client: await registry.authenticate(presented.credentials), basic: presented.basic };
  } catch (error) {
    return { ok: false, error, basic: presented.basic };
  }
}
