import type { BrokenServer, HealthyVariant } from './broken-servers.js';
import { pathOf, type Breakage, type WorldAnswer } from './world.js';

/**
 * Servers that speak only legacy HTTP+SSE (2024-11-05): the healthy one the doctor must pass with
 * every MCP call replayed over the stream, and the ways such a session breaks. And a server that
 * advertises CIMD but cannot use Claude's document.
 */
export const FOREIGN_ORIGIN = 'https://messages.elsewhere.example';

/** POST to the URL is not served (405); GET opens the legacy stream, POST /messages carries the session. */
export const legacyOnly: Breakage = (request, healthy) => (pathOf(request) === '/mcp' && request.method === 'POST' ? { status: 405, headers: { allow: 'GET' } } : healthy(request));

/** The stream's endpoint event moved to {@link FOREIGN_ORIGIN} when `moved` says so for its data. */
function endpointElsewhere(answer: WorldAnswer, moved: (data: string) => boolean): WorldAnswer {
  if (answer.stream === undefined) return answer;
  const events = answer.stream.events.map((event) => (event.name === 'endpoint' && moved(event.data) ? { ...event, data: `${FOREIGN_ORIGIN}${event.data}` } : event));
  return { ...answer, stream: { ...answer.stream, events } };
}

export const LEGACY_ONLY: HealthyVariant = {
  name: 'a legacy-only server (2024-11-05 HTTP+SSE): POST → 405, GET → endpoint event; the MCP calls go over the stream',
  breakage: legacyOnly,
  expected: { 'sign-in': 'skip', initialize: 'warn', discover: 'skip', 'version-mismatch': 'skip', accept: 'skip', 'listen-stream': 'skip', revoke: 'skip' },
};

export const LEGACY_BROKEN: readonly BrokenServer[] = [
  {
    name: 'legacy SSE whose endpoint event names another origin (a URL built from request headers)',
    path: '/mcp',
    withToken: true,
    breakage: (request, healthy) => endpointElsewhere(legacyOnly(request, healthy), () => true),
    step: 'sse',
    cause: /another origin/,
    fix: /public base URL/,
  },
  {
    name: 'legacy SSE behind two instances, one building the endpoint from the Host header (the session the client keeps lands there)',
    path: '/mcp',
    withToken: true,
    breakage: (request, healthy) => endpointElsewhere(legacyOnly(request, healthy), (data) => /sessionId=s\d*[02468]$/.test(data)),
    step: 'tools-list',
    cause: /another origin \(https:\/\/messages\.elsewhere\.example\).*the doctor sent nothing/,
    fix: /public base URL/,
  },
  {
    name: 'legacy SSE whose message endpoint answers 202 but never sends the response event',
    path: '/mcp',
    withToken: true,
    breakage: (request, healthy) => (pathOf(request) === '/messages' ? { status: 202 } : legacyOnly(request, healthy)),
    step: 'tools-list',
    cause: /responses never arrive on the stream — a proxy buffering the stream, or the session was lost/,
    fix: /X-Accel-Buffering: no/,
  },
];

export const CIMD_REJECTED: BrokenServer = {
  name: 'advertises CIMD but cannot use Claude\'s document (its fetch blocked at the egress): 400 unknown client',
  path: '/mcp',
  withToken: false,
  breakage: (request, healthy) => {
    const clientId = new URL(request.path, 'https://any.example').searchParams.get('client_id') ?? '';
    if (pathOf(request) !== '/authorize' || !clientId.startsWith('https://')) return healthy(request);
    return { status: 400, headers: { 'content-type': 'text/html' }, body: '<h1>invalid_client</h1><p>unknown client</p>' };
  },
  step: 'authorize',
  cause: /the server advertises CIMD but could not use Claude's document \(fetch blocked by a WAF\/egress, or served as HTML\)/,
  fix: /client_id_metadata_document_supported/,
};
