import type { ClientProfile } from '../../client-profiles/types.js';
import type { ProbeResponse } from '../../ports/probe.js';
import { userAgent, type DoctorContext } from '../context.js';
import { describeAnswer, openingMessage, readAnswer } from '../jsonrpc.js';
import { fail, pass, type StepResult } from '../report.js';

/**
 * The client's first, unauthenticated POST to the URL exactly as typed (CLIENTS.md 1.1), sent once
 * with each user agent the profile uses and once with a browser's: an edge rule that treats the
 * client differently from a browser is the "Block AI bots" signature (CLIENTS.md 1.11, §3).
 */
export const BROWSER_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';

function openingHeaders(profile: ClientProfile, agent: string | null): Record<string, string> {
  const { opening, acceptOpening } = profile.protocol;
  return {
    'content-type': 'application/json',
    ...(acceptOpening === null ? {} : { accept: acceptOpening }),
    ...(opening.headerVersion === null ? {} : { 'mcp-protocol-version': opening.headerVersion }),
    ...userAgent(agent),
  };
}

export function firstPost(context: DoctorContext, agent: string | null): Promise<ProbeResponse> {
  const { profile } = context.options;
  return context.send({ method: 'POST', url: context.options.url, headers: openingHeaders(profile, agent), body: openingMessage(profile, 1) });
}

const agentName = (agent: string | null): string => agent ?? '(no User-Agent)';

export async function checkUserAgents(context: DoctorContext): Promise<StepResult> {
  const { userAgents } = context.options.profile;
  const agents = [...new Set([userAgents.discovery, userAgents.mcp])];
  const browser = await firstPost(context, BROWSER_USER_AGENT);
  const answers: Array<{ agent: string | null; response: ProbeResponse }> = [];
  for (const agent of agents) answers.push({ agent, response: await firstPost(context, agent) });
  context.findings.firstPost = answers[0]?.response ?? browser;
  const measured = [`browser ${browser.status}`, ...answers.map(({ agent, response }) => `${agentName(agent)} ${response.status}`)].join(', ');
  const treatedDifferently = answers.find(({ response }) => response.status !== browser.status);
  if (treatedDifferently === undefined) return pass('user-agent', measured);
  return fail(
    'user-agent',
    measured,
    `the server or its edge answers ${agentName(treatedDifferently.agent)} with ${treatedDifferently.response.status} and a browser with ${browser.status}: a bot/WAF rule blocks the client; OAuth may complete and then every MCP call dies at the edge with empty origin logs`,
    'Turn off "Block AI bots" / Bot Fight Mode (Cloudflare) or the equivalent rule for this host (skip rules do not bypass it), and never filter on User-Agent.',
  );
}

const isRedirect = (status: number): boolean => status >= 300 && status < 400;

export async function checkUrl(context: DoctorContext): Promise<StepResult> {
  const response = context.findings.firstPost;
  if (response === undefined) return fail('url', 'no answer', 'the first POST was not sent', 'Run the doctor again.');
  const { profile } = context.options;
  const { url } = context.options;
  if (isRedirect(response.status)) return redirected(context, response);
  if (response.status === 401 || response.status === 200) {
    context.findings.challenged = { status: response.status, ...header(response) };
    return pass('url', `POST ${url} → ${response.status}`);
  }
  if (!profile.protocol.sseFallbackOn.includes(response.status)) {
    return fail('url', `POST → ${describeAnswer(response, readAnswer(response, 1))}`, `the client's first POST got ${response.status}, which it does not retry another way (its SSE fallback only follows ${profile.protocol.sseFallbackOn.join('/') || 'nothing'})`, statusFix(context, response.status));
  }
  return fallbackGet(context, response);
}

const header = (response: ProbeResponse): { header?: string } => {
  const value = response.headers['www-authenticate'];
  return value === undefined ? {} : { header: value };
};

function redirected(context: DoctorContext, response: ProbeResponse): StepResult {
  const location = response.headers['location'] ?? '(no Location)';
  if (location !== '(no Location)' && !URL.canParse(location, context.options.url)) {
    return fail('url', `POST → ${response.status} Location: ${location}`, `Location is not a URL: ${location}; and clients do not follow redirects there anyway`, 'Serve the MCP URL directly, without a redirect.');
  }
  const target = location === '(no Location)' ? location : new URL(location, context.options.url).href;
  const slash = target === `${context.options.url}/` || `${target}/` === context.options.url;
  return fail(
    'url',
    `POST → ${response.status} Location: ${target}`,
    `the server redirects the MCP URL; ${context.options.profile.displayName} does not follow redirects there, and the POST is lost${target.startsWith('http:') && context.target.protocol === 'https:' ? ' (and the redirect drops to http:// behind TLS)' : ''}`,
    slash ? `Serve ${context.target.pathname} and ${context.target.pathname}/ directly, without a redirect (e.g. mount the route without its trailing-slash redirect).` : `Paste the final URL (${target}), or serve this one without a redirect.`,
  );
}

function statusFix(context: DoctorContext, status: number): string {
  if (status === 406) return 'Accept `*/*` and a missing Accept on POST (Claude sends both); never answer 406.';
  if (status === 403) return 'Find the rule that forbids this request (origin check, IP allow-list, WAF) and let the hosted client through.';
  return `Answer an unauthenticated POST to ${context.options.url} with 401 and a WWW-Authenticate challenge before any other check.`;
}

/** A POST the client answers by falling back to legacy SSE: `GET <url>` must be an event stream, or a 401. */
async function fallbackGet(context: DoctorContext, post: ProbeResponse): Promise<StepResult> {
  const { url, profile } = context.options;
  const seen = await context.watch(
    { method: 'GET', url, headers: { accept: 'text/event-stream', ...userAgent(profile.userAgents.discovery) } },
    { waitMs: Math.min(context.options.sseWaitMs, context.options.requestTimeoutMs), heartbeats: 0 },
  );
  const type = (seen.headers['content-type'] ?? '').split(';')[0] ?? '';
  const measured = `POST → ${post.status}, then GET → ${seen.status} ${type}`.trim();
  if (seen.status === 401 || (seen.status === 200 && type === 'text/event-stream')) {
    const challenge = seen.headers['www-authenticate'];
    context.findings.challenged = { status: seen.status, ...(challenge === undefined ? {} : { header: challenge }) };
    return pass('url', `${measured} (legacy SSE fallback)`);
  }
  const bare = context.target.pathname === '/';
  const homeMade = seen.status === 200 && type === 'application/json';
  const found = homeMade ? `a JSON document (${seen.bodyPrefix.slice(0, 80)}). No MCP revision defines a discovery document there` : `${seen.status} ${type || 'with no content type'}`;
  const better = await answeringPath(context);
  return fail(
    'url',
    measured,
    bare
      ? `the URL is a bare origin: POST / got ${post.status}, so the client fell back to GET / expecting an SSE endpoint event and found ${found}; the client stops there (logs end at GET / → ${seen.status})`
      : `no transport answers ${context.target.pathname}: POST got ${post.status} and the SSE fallback GET found ${found}`,
    `${better === undefined ? 'Paste the MCP endpoint\'s URL (e.g. …/mcp)' : `Paste ${better}: it answers like an MCP endpoint`}, not ${bare ? 'the origin' : 'this path'}; and never serve a home-made JSON document where a client looks for MCP.`,
  );
}

/** The conventional MCP paths, for the fix: the first that answers the client's POST with 401 or 200. */
async function answeringPath(context: DoctorContext): Promise<string | undefined> {
  for (const path of ['/mcp', '/sse']) {
    const url = `${context.target.origin}${path}`;
    if (url === context.options.url) continue;
    const response = await context.send({ method: 'POST', url, headers: openingHeaders(context.options.profile, context.options.profile.userAgents.discovery), body: openingMessage(context.options.profile, 1) });
    if (response.status === 401 || response.status === 200) return url;
  }
  return undefined;
}

/** `Bearer a="b", c=d` → its parameters; `undefined` when the challenge is not Bearer. */
export function bearerParameters(value: string): Record<string, string> | undefined {
  const match = /(?:^|,\s*)Bearer(?:\s+(.*))?$/i.exec(value.trim());
  if (match === null) return undefined;
  const parameters: Record<string, string> = {};
  for (const pair of (match[1] ?? '').matchAll(/([a-zA-Z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const name = pair[1];
    if (name !== undefined) parameters[name.toLowerCase()] = pair[2] ?? pair[3] ?? '';
  }
  return parameters;
}
