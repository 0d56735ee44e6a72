import { legacyEcho, MESSAGE, modernEcho, modernSse } from '../lib/requests.js';
import type { WrkRequest } from '../lib/wrk.js';

/**
 * The request/response scenarios wrk drives: which server, which request, and what a correct
 * answer looks like (checked once before the load, so a run of fast errors is never reported as
 * throughput).
 */
export type ServerName = 'baseline' | 'peer' | 'keyway' | 'keyway-log-info';

export interface LoadScenario {
  readonly name: string;
  readonly label: string;
  readonly server: ServerName;
  readonly request: (token: string | undefined) => WrkRequest;
  /** The response's status (200 unless given), media type, and a fragment its body must hold. */
  readonly expect: { readonly status?: number; readonly contentType: string; readonly contains: string };
}

const ECHOED = `"text":"${MESSAGE}"`;
const JSON_TYPE = 'application/json';
const SSE_TYPE = 'text/event-stream';

export const LOAD_SCENARIOS: readonly LoadScenario[] = [
  { name: 'baseline', label: 'baseline: raw node:http JSON-RPC echo', server: 'baseline', request: () => modernEcho(), expect: { contentType: JSON_TYPE, contains: ECHOED } },
  { name: 'peer-2026-json', label: 'peer: SDK createMcpHandler, 2026-07-28 (JSON)', server: 'peer', request: () => modernEcho(), expect: { contentType: JSON_TYPE, contains: ECHOED } },
  { name: 'peer-2025-sse', label: 'peer: SDK createMcpHandler, 2025-11-25 stateless (SSE)', server: 'peer', request: () => legacyEcho(), expect: { contentType: SSE_TYPE, contains: ECHOED } },
  { name: 'keyway-2026-json', label: 'Keyway tools/call 2026-07-28 (JSON)', server: 'keyway', request: (token) => modernEcho(token), expect: { contentType: JSON_TYPE, contains: ECHOED } },
  {
    name: 'keyway-2026-sse',
    label: 'Keyway tools/call 2026-07-28 (SSE: progress, then result)',
    server: 'keyway',
    request: (token) => modernSse(token),
    expect: { contentType: SSE_TYPE, contains: '"text":"counted to 1"' },
  },
  { name: 'keyway-2025-sse', label: 'Keyway tools/call 2025-11-25 stateless (SSE)', server: 'keyway', request: (token) => legacyEcho(token), expect: { contentType: SSE_TYPE, contains: ECHOED } },
  {
    name: 'keyway-401',
    label: 'Keyway POST /mcp without a token → 401 (pipeline + gate floor)',
    server: 'keyway',
    request: () => modernEcho(),
    expect: { status: 401, contentType: JSON_TYPE, contains: '"error":"unauthorized"' },
  },
  {
    name: 'keyway-2026-json-log-info',
    label: 'Keyway tools/call 2026-07-28 (JSON), KEYWAY_LOG_LEVEL=info',
    server: 'keyway-log-info',
    request: (token) => modernEcho(token),
    expect: { contentType: JSON_TYPE, contains: ECHOED },
  },
];

/** Sends `request` once and checks the answer; returns the response's media type. */
export async function checkScenario(origin: string, scenario: LoadScenario, request: WrkRequest): Promise<string> {
  const response = await fetch(new URL(request.path, origin), { method: 'POST', headers: request.headers, body: request.body });
  const body = await response.text();
  const contentType = (response.headers.get('content-type') ?? '').split(';', 1)[0] ?? '';
  if (response.status !== (scenario.expect.status ?? 200) || contentType !== scenario.expect.contentType || !body.includes(scenario.expect.contains)) {
    throw new Error(`${scenario.name}: unexpected answer ${response.status} ${contentType}: ${body.slice(0, 300)}`);
  }
  return contentType;
}
