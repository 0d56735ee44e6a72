import { Client, StreamableHTTPClientTransport, UnauthorizedError, type ClientOptions } from '@modelcontextprotocol/client';
import { signInThroughBrowser, type UpstreamLogin } from './oauth-flow.js';
import { createRecordingFetch, createV2OAuthProvider, type RecordingFetch, type V2OAuthProvider } from './sdk-oauth-provider.js';

/**
 * A real v2 SDK client (`@modelcontextprotocol/client`) connected to Keyway's `/mcp` through the
 * whole OAuth flow, as an MCP client application does it: 401 → discovery → registration →
 * authorization (a headless person consents at Keyway and signs in at the upstream identity
 * provider) → `finishAuth` → connect again. For the end-to-end tests of the identity providers.
 */
export interface ToolOutcome {
  readonly isError: boolean;
  /** The text content blocks, joined. */
  readonly text: string;
  readonly structured: Readonly<Record<string, unknown>> | undefined;
}

export interface SdkSession {
  readonly client: Client;
  readonly provider: V2OAuthProvider;
  /** Every HTTP request the SDK made (`METHOD /path → status`). */
  readonly recorder: RecordingFetch;
  callTool(name: string, args?: Readonly<Record<string, unknown>>): Promise<ToolOutcome>;
  /**
   * After a request failed with `UnauthorizedError` (the SDK has re-authorized through the browser
   * and holds a new code), finishes that authorization and connects a fresh transport.
   */
  reconnect(): Promise<void>;
}

export interface SdkSessionOptions {
  /** Plays the person at the upstream identity provider. */
  readonly upstream: UpstreamLogin;
  readonly userName: string;
  readonly clientOptions?: ClientOptions;
}

const INFO = { name: 'keyway-idp-e2e', version: '1.0.0' };

function outcome(result: { content?: unknown; structuredContent?: unknown; isError?: unknown }): ToolOutcome {
  const blocks = Array.isArray(result.content) ? (result.content as Array<{ type?: unknown; text?: unknown }>) : [];
  const text = blocks.flatMap((block) => (block.type === 'text' && typeof block.text === 'string' ? [block.text] : [])).join('\n');
  const structured = typeof result.structuredContent === 'object' && result.structuredContent !== null ? (result.structuredContent as Record<string, unknown>) : undefined;
  return { isError: result.isError === true, text, structured };
}

/** Connects `client` on a fresh transport after a failed attempt that ended in an authorization. */
async function authorizeThenConnect(client: Client, failed: StreamableHTTPClientTransport, provider: V2OAuthProvider, fresh: () => StreamableHTTPClientTransport): Promise<StreamableHTTPClientTransport> {
  await failed.finishAuth(provider.lastCallback().searchParams);
  await failed.close();
  const transport = fresh();
  await client.connect(transport);
  return transport;
}

/** Connects a v2 client to `<origin>/mcp`, signing `userName` in through `upstream`. Close it with `client.close()`. */
export async function connectThroughOAuth(origin: string, options: SdkSessionOptions): Promise<SdkSession> {
  const provider = await createV2OAuthProvider({
    userName: options.userName,
    browse: (url, userName, jar) => signInThroughBrowser(url, userName, jar, options.upstream),
  });
  const recorder = createRecordingFetch();
  const fresh = (): StreamableHTTPClientTransport => new StreamableHTTPClientTransport(new URL('/mcp', origin), { authProvider: provider, fetch: recorder.fetch });
  const client = new Client(INFO, options.clientOptions);
  let transport = fresh();
  try {
    await client.connect(transport);
    throw new Error('the first connection succeeded without authorization');
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  transport = await authorizeThenConnect(client, transport, provider, fresh);
  return {
    client,
    provider,
    recorder,
    callTool: async (name, args = {}) => outcome(await client.callTool({ name, arguments: { ...args } })),
    async reconnect() {
      await client.close();
      transport = await authorizeThenConnect(client, transport, provider, fresh);
    },
  };
}
