import { Client, StreamableHTTPClientTransport, UnauthorizedError, type ClientOptions } from '@modelcontextprotocol/client';
import { signInThroughBrowser, type UpstreamLogin } from '../../test/support/oauth-flow.js';
import { createV2OAuthProvider, type V2OAuthProvider } from '../../test/support/sdk-oauth-provider.js';

/**
 * A v2 SDK client connected through the whole OAuth flow over a given `fetch`: the one trusting
 * the throw-away CA (test/support/tls.ts), so that nothing global has to change for the person's
 * browser and the client to reach Keyway through `https://`.
 */
export interface HttpsSession {
  readonly client: Client;
  readonly provider: V2OAuthProvider;
  /** Every request the SDK made, as `METHOD /path → status`. */
  readonly requests: readonly string[];
}

/** A v2 SDK client on `<origin>/mcp`, connected through the whole OAuth flow (401 → discovery → DCR → browser → token). */
export async function connectOver(fetchFn: typeof fetch, origin: string, userName: string, upstream: UpstreamLogin, clientOptions?: ClientOptions): Promise<HttpsSession> {
  const requests: string[] = [];
  const recording = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetchFn(url, init);
    requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname} → ${response.status}`);
    return response;
  };
  const provider = await createV2OAuthProvider({ userName, browse: (url, name, jar) => signInThroughBrowser(url, name, jar, upstream, fetchFn) });
  const transport = (): StreamableHTTPClientTransport => new StreamableHTTPClientTransport(new URL('/mcp', origin), { authProvider: provider, fetch: recording });
  const client = new Client({ name: 'keyway-nginx-e2e', version: '1.0.0' }, clientOptions);
  const first = transport();
  const refused = await client.connect(first).then(() => undefined, (error: unknown) => error);
  if (!(refused instanceof UnauthorizedError)) throw new Error(`the first connection should need authorization: ${String(refused)}`);
  await first.finishAuth(provider.lastCallback().searchParams);
  await first.close();
  await client.connect(transport());
  return { client, provider, requests };
}
