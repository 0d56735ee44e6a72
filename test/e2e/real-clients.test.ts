import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { Client as ClientV2, SSEClientTransport as SseV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport as SseV1 } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startSignedIn } from '../support/keyway.js';

/**
 * The real-client matrix (issue: foundation, item 9): the official SDK clients, every era, pointed
 * at `/mcp` and at `/sse`. Each connects, lists tools, calls a tool and receives its progress.
 */
const INFO = { name: 'keyway-e2e', version: '1.0.0' };

interface Connected {
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  callTool(onProgress: (progress: number) => void): Promise<{ content: unknown }>;
  /** The tool sees the verified principal (issue 3: "a tool knows who is calling"). */
  whoami(): Promise<unknown>;
  close(): Promise<void>;
}

function v2(client: ClientV2): Connected {
  return {
    listTools: () => client.listTools(),
    callTool: (onProgress) =>
      client.callTool(
        { name: 'count_slowly', arguments: { steps: 3, interval_ms: 20 } },
        { onprogress: (update) => onProgress(update.progress) },
      ),
    whoami: async () => (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent,
    close: () => client.close(),
  };
}

function v1(client: ClientV1): Connected {
  return {
    listTools: () => client.listTools(),
    callTool: (onProgress) =>
      client.callTool({ name: 'count_slowly', arguments: { steps: 3, interval_ms: 20 } }, undefined, {
        onprogress: (update) => onProgress(update.progress),
      }) as Promise<{ content: unknown }>,
    whoami: async () => (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent,
    close: () => client.close(),
  };
}

async function exercise(t: TestContext, connected: Connected): Promise<void> {
  t.after(() => connected.close());
  const { tools } = await connected.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), ['count_slowly', 'echo', 'get_user_profile', 'whoami']);
  const progress: number[] = [];
  let sawLast: () => void = () => undefined;
  const lastProgress = new Promise<void>((resolve) => (sawLast = resolve));
  // The SDK clients dispatch notifications a microtask after the result they preceded, so the
  // last progress is awaited as an event rather than read right after the result.
  const [result] = await Promise.all([
    connected.callTool((value) => {
      progress.push(value);
      if (value === 3) sawLast();
    }),
    lastProgress,
  ]);
  assert.deepEqual(result.content, [{ type: 'text', text: 'counted to 3' }]);
  assert.deepEqual(progress, [1, 2, 3]);
  const identity = (await connected.whoami()) as { subject: string; scopes: string[]; client_id: string };
  assert.equal(identity.subject, 'local:alice');
  assert.deepEqual(identity.scopes, ['mcp']);
  assert.equal(typeof identity.client_id, 'string');
}

const PATHS = ['/mcp', '/sse'] as const;

for (const sessions of ['off', 'on'] as const) {
  describe(`real clients, sessions ${sessions}`, () => {
    for (const path of PATHS) {
      test(`v2 client, 2026-07-28 negotiated (auto) → ${path}`, async (t) => {
        const keyway = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: sessions });
        const client = new ClientV2(INFO, { versionNegotiation: { mode: 'auto' } });
        await client.connect(new HttpV2(new URL(path, keyway.origin), { requestInit: { headers: keyway.auth } }));
        assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
        await exercise(t, v2(client));
      });

      test(`v2 client, 2026-07-28 pinned → ${path}`, async (t) => {
        const keyway = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: sessions });
        const client = new ClientV2(INFO, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
        await client.connect(new HttpV2(new URL(path, keyway.origin), { requestInit: { headers: keyway.auth } }));
        assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
        await exercise(t, v2(client));
      });

      for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
        test(`v2 client, ${version} initialize → ${path}`, async (t) => {
          const keyway = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: sessions });
          const client = new ClientV2(INFO, { supportedProtocolVersions: [version] });
          const transport = new HttpV2(new URL(path, keyway.origin), { requestInit: { headers: keyway.auth } });
          await client.connect(transport);
          assert.equal(client.getNegotiatedProtocolVersion(), version);
          assert.equal(transport.sessionId !== undefined, sessions === 'on', 'a session id exactly in sessions mode');
          await exercise(t, v2(client));
        });
      }

      test(`v1 client over Streamable HTTP → ${path}`, async (t) => {
        const keyway = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: sessions });
        const client = new ClientV1(INFO);
        await client.connect(new HttpV1(new URL(path, keyway.origin), { requestInit: { headers: keyway.auth } }));
        await exercise(t, v1(client));
      });

      test(`v1 client over legacy SSE (2024-11-05) → ${path}`, async (t) => {
        const keyway = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: sessions });
        const client = new ClientV1(INFO);
        await client.connect(new SseV1(new URL(path, keyway.origin), { requestInit: { headers: keyway.auth } }));
        await exercise(t, v1(client));
      });

      test(`v2 client over legacy SSE (2024-11-05) → ${path}`, async (t) => {
        const keyway = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: sessions });
        const client = new ClientV2(INFO);
        await client.connect(new SseV2(new URL(path, keyway.origin), { requestInit: { headers: keyway.auth } }));
        await exercise(t, v2(client));
      });
    }
  });
}

test('sessions mode: DELETE ends the session and its id then gets 404', async (t) => {
  const keyway = await startSignedIn(t, { KEYWAY_MCP_SESSIONS: 'on' });
  const client = new ClientV2(INFO, { supportedProtocolVersions: ['2025-11-25'] });
  const transport = new HttpV2(new URL('/mcp', keyway.origin), { requestInit: { headers: keyway.auth } });
  await client.connect(transport);
  const sessionId = transport.sessionId;
  assert.ok(sessionId !== undefined && sessionId.length >= 22, 'an unguessable session id');
  await transport.terminateSession();
  await client.close();
  const response = await fetch(new URL('/mcp', keyway.origin), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      ...keyway.auth,
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(response.status, 404);
  assert.equal(((await response.json()) as { id: unknown }).id, null);
});
