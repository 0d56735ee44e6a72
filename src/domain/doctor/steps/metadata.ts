import type { ProbeResponse } from '../../ports/probe.js';
import { userAgent, type DoctorContext } from '../context.js';
import { parseJson } from '../jsonrpc.js';
import { fail, pass, skip, warn, type StepResult } from '../report.js';

/**
 * Protected resource metadata (RFC 9728) and authorization server metadata (RFC 8414) as the
 * client fetches them: the header-named document first, then the path and root well-known URLs;
 * `resource` equal to the pasted URL; one authorization server; its issuer byte-exact; the fields
 * whose absence silently stops Claude (CLIENTS.md 1.2, 1.3).
 */
interface Fetched {
  readonly url: string;
  readonly response: ProbeResponse;
  readonly document?: Record<string, unknown>;
}

async function fetchDocument(context: DoctorContext, url: string): Promise<Fetched> {
  // Claude sends MCP-Protocol-Version even on metadata GETs (#764); a server must ignore it.
  const response = await context.send({
    method: 'GET',
    url,
    headers: { accept: 'application/json', 'mcp-protocol-version': '2025-11-25', ...userAgent(context.options.profile.userAgents.discovery) },
  });
  const json = (response.headers['content-type'] ?? '').split(';')[0]?.trim() === 'application/json';
  const document = response.status === 200 && json ? parseJson(response.body) : undefined;
  return { url, response, ...(document === undefined ? {} : { document }) };
}

const describe = (fetched: Fetched): string => `${fetched.response.status} ${(fetched.response.headers['content-type'] ?? '').split(';')[0] ?? ''}`.trim();

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []);

export async function checkResourceMetadata(context: DoctorContext): Promise<StepResult> {
  if (context.findings.authRequired !== true) return skip('resource-metadata', 'no authorization required');
  const { target } = context;
  const path = target.pathname === '/' ? '' : target.pathname;
  const named = context.findings.resourceMetadataUrl;
  const pathUrl = `${target.origin}/.well-known/oauth-protected-resource${path}`;
  const rootUrl = `${target.origin}/.well-known/oauth-protected-resource`;
  const fix = `Serve RFC 9728 metadata as application/json at ${pathUrl} (and the root ${rootUrl}) with "resource": "${context.options.url}" and "authorization_servers": ["<your issuer>"], and name it in the 401's resource_metadata.`;
  const urls = [...new Set([...(named === undefined ? [] : [named]), pathUrl, rootUrl])];
  const fetched: Fetched[] = [];
  for (const url of urls) fetched.push(await fetchDocument(context, url));
  const measured = fetched.map((entry) => `${entry.url === named ? 'named' : entry.url === rootUrl ? 'root' : 'path'} ${describe(entry)}`).join(', ');
  if (named !== undefined && fetched[0]?.document === undefined) {
    return fail('resource-metadata', measured, `the document named in resource_metadata (${named}) answered ${describe(fetched[0] ?? fetched[fetched.length - 1]!)}, not JSON metadata`, fix);
  }
  const used = fetched.find((entry) => entry.document !== undefined && entry.url !== rootUrl) ?? fetched.find((entry) => entry.document !== undefined);
  if (used?.document === undefined) {
    return fail('resource-metadata', measured, 'no protected resource metadata: since 2026-01-08 Claude only tries root AS metadata and default endpoints on this origin', fix);
  }
  const resource = used.document['resource'];
  if (used.url !== rootUrl && resource !== context.options.url) {
    return fail('resource-metadata', `${measured}; resource ${JSON.stringify(resource)}`, `resource must equal the URL the person pasted, byte for byte (path included); the client refuses metadata for another resource`, fix);
  }
  const servers = stringList(used.document['authorization_servers']);
  const issuer = servers[0];
  if (issuer === undefined) return fail('resource-metadata', measured, 'authorization_servers is missing or empty', fix);
  if (!URL.canParse(issuer)) return fail('resource-metadata', measured, `authorization_servers[0] is not a URL: ${issuer}`, fix);
  context.findings.issuer = issuer;
  if (servers.length > 1) return warn('resource-metadata', measured, `${servers.length} authorization servers: Claude uses the first and never tries the others`, 'List exactly one: your issuer.');
  if (new URL(issuer).origin !== target.origin) {
    return warn('resource-metadata', measured, `the authorization server (${issuer}) is on another origin: Claude has built endpoints on the MCP origin instead (#214, #82)`, 'Keep the authorization server on the MCP origin.');
  }
  if (!fetched.some((entry) => entry.url === rootUrl && entry.document !== undefined)) {
    return warn('resource-metadata', measured, 'the root document is missing: clients without the header fall back to it', fix);
  }
  return pass('resource-metadata', `${measured}; resource = URL; authorization server ${issuer}`);
}

/** RFC 8414 §3.1 path-insert, then OpenID path-insert and path-append; the root forms without a path. */
function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  if (path === '') return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  return [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}/.well-known/openid-configuration${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
}

export async function checkAuthServerMetadata(context: DoctorContext): Promise<StepResult> {
  const issuer = context.findings.issuer;
  if (issuer === undefined) return skip('auth-server-metadata', 'no authorization required');
  let found: Fetched | undefined;
  const tried: string[] = [];
  for (const url of metadataUrls(issuer)) {
    const fetched = await fetchDocument(context, url);
    tried.push(`${url} ${describe(fetched)}`);
    if (fetched.document !== undefined) {
      found = fetched;
      break;
    }
  }
  if (found?.document === undefined) {
    return fail('auth-server-metadata', tried.join(', '), 'no authorization server metadata as application/json at any well-known URL of the issuer', `Serve RFC 8414 metadata at ${metadataUrls(issuer)[0] ?? ''} (before any HTML catch-all).`);
  }
  context.findings.authServer = found.document;
  return judgeAuthServer(context, issuer, found.document, `${found.url} 200`);
}

function judgeAuthServer(context: DoctorContext, issuer: string, document: Record<string, unknown>, measured: string): StepResult {
  const { discovery } = context.options.profile;
  const stated = document['issuer'];
  if (stated !== issuer) {
    const cause = `metadata issuer ${JSON.stringify(stated)} differs from ${JSON.stringify(issuer)} (the issuer in the resource metadata); strict clients (RFC 8414 §3.3) stop on one byte of difference, a trailing slash included`;
    const result = discovery.strictIssuerMatch ? fail : warn;
    return result('auth-server-metadata', measured, cause, `Make issuer exactly ${issuer.replace(/\/$/, '')} everywhere (no trailing slash): metadata, resource metadata and the iss parameter.`);
  }
  if (new URL(issuer).pathname === '/' && issuer.endsWith('/')) {
    const result = discovery.strictIssuerMatch ? fail : warn;
    return result('auth-server-metadata', measured, `issuer ${issuer} ends with a slash: clients derive the issuer without it and a strict comparison fails`, `Use ${issuer.replace(/\/$/, '')} as the issuer everywhere.`);
  }
  for (const field of ['authorization_endpoint', 'token_endpoint']) {
    if (typeof document[field] !== 'string') return fail('auth-server-metadata', measured, `${field} is missing`, `Publish ${field} in the metadata.`);
  }
  for (const field of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint']) {
    const value = document[field];
    if (value !== undefined && (typeof value !== 'string' || !URL.canParse(value))) {
      return fail('auth-server-metadata', measured, `${field} is not a URL: ${JSON.stringify(value)}`, `Publish ${field} as an absolute https URL.`);
    }
  }
  if (!stringList(document['code_challenge_methods_supported']).includes('S256')) {
    const result = discovery.requiresS256Advertised ? fail : warn;
    return result('auth-server-metadata', measured, 'code_challenge_methods_supported does not list S256: Claude never redirects to /authorize and shows no error', 'Add "code_challenge_methods_supported": ["S256"] to the metadata (and support PKCE S256).');
  }
  const cimd = document['client_id_metadata_document_supported'] === true;
  const dcr = typeof document['registration_endpoint'] === 'string';
  if (!cimd && !dcr) {
    return fail('auth-server-metadata', measured, 'neither client_id_metadata_document_supported nor registration_endpoint: Claude reports "Incompatible auth server"', 'Offer dynamic client registration (registration_endpoint) and/or Client ID Metadata Documents.');
  }
  const methods = stringList(document['token_endpoint_auth_methods_supported']);
  const missing = ['none', 'client_secret_post', 'client_secret_basic'].filter((method) => !methods.includes(method));
  const summary = `${measured}; issuer exact, S256, ${[cimd ? 'CIMD' : '', dcr ? 'DCR' : ''].filter(Boolean).join(' + ')}, auth methods ${methods.join(' ') || '(none listed)'}`;
  if (missing.length > 0) {
    return warn('auth-server-metadata', summary, `token_endpoint_auth_methods_supported lacks ${missing.join(', ')}${missing.includes('none') ? ' (without none Claude never uses CIMD)' : ''}`, 'List none, client_secret_post and client_secret_basic.');
  }
  return pass('auth-server-metadata', summary);
}
