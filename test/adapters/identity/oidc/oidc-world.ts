import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { createOidcIdentityProvider, type OidcIdentityProvider, type OidcOptions } from '../../../../src/adapters/identity/oidc/oidc-identity-provider.js';
import type { Identity, LoginStart } from '../../../../src/domain/ports/identity.js';
import { createFakeClock, type FakeClock } from '../../../support/fake-clock.js';
import { createRecordingLogger, type LoggedEvent } from '../../../support/oauth-mothers.js';
import { startOidcProvider, type OidcTestProvider, type OidcTestProviderOptions } from '../../../support/oidc-provider.js';

/**
 * A real `oidc-provider` on loopback and the OIDC adapter configured against it, for the adapter's
 * own tests. `adapter` options override the defaults (confidential client, 500 ms bound).
 */
export interface OidcWorld {
  readonly idp: OidcTestProvider;
  readonly provider: OidcIdentityProvider;
  readonly clock: FakeClock;
  readonly events: LoggedEvent[];
  readonly callbackUrl: string;
  /** startLogin with a fresh state, then the user `login` at the provider: the callback's parameters. */
  begin(login: string): Promise<{ readonly start: LoginStart; readonly params: Record<string, string> }>;
  /** A whole sign-in as `login`. */
  signIn(login: string): Promise<Identity>;
}

export const CALLBACK_URL = 'http://127.0.0.1:8123/callback';

export const aState = (): string => randomBytes(32).toString('base64url');

type AdapterOverrides = Partial<Omit<OidcOptions, 'clock' | 'logger'>>;

export function adapterOptions(idp: OidcTestProvider, clock: FakeClock, events: LoggedEvent[], overrides: AdapterOverrides = {}): OidcOptions {
  return { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, timeoutMs: 500, clock, logger: createRecordingLogger(events), ...overrides };
}

export async function startOidcWorld(t: TestContext, options: { readonly idp?: OidcTestProviderOptions; readonly adapter?: AdapterOverrides } = {}): Promise<OidcWorld> {
  const idp = await startOidcProvider(t, { redirectUris: [CALLBACK_URL], ...options.idp });
  const clock = createFakeClock(Math.floor(Date.now() / 1000));
  const events: LoggedEvent[] = [];
  const provider = await createOidcIdentityProvider(adapterOptions(idp, clock, events, options.adapter));
  const begin = async (login: string) => {
    const start = await provider.startLogin({ state: aState(), callbackUrl: CALLBACK_URL });
    return { start, params: await idp.completeLogin(start.redirectTo, login) };
  };
  return {
    idp,
    provider,
    clock,
    events,
    callbackUrl: CALLBACK_URL,
    begin,
    async signIn(login) {
      const { start, params } = await begin(login);
      return provider.finishLogin({ params, secret: start.secret, callbackUrl: CALLBACK_URL });
    },
  };
}

/**
 * A `fetch` that lets a test rewrite one JSON response of the real provider (an attacker on the
 * wire, or a provider that misbehaves): `rewrite` gets the URL and the parsed body.
 */
export function rewritingFetch(rewrite: (url: URL, body: Record<string, unknown>) => Record<string, unknown>): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!(response.headers.get('content-type') ?? '').includes('json')) return response;
    const body = rewrite(url, (await response.json()) as Record<string, unknown>);
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(body), { status: response.status, headers });
  };
}

/** The payload of a compact JWS, decoded (not verified). */
export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
