import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chooseRegistration, type ClientProfile, type DcrRegistration } from '../../src/domain/client-profiles/index.js';
import { createCookieJar, type CookieJar } from './cookie-jar.js';
import { createPkce } from './oauth-flow.js';
import { jsonOf, type Http } from './profile-replay-http.js';

/**
 * The OAuth half of a profile replay: discovery, registration, the browser leg, token and refresh,
 * each judged as the client judges it (CLIENTS.md §1.1–1.6).
 */
export interface Discovered {
  /** `resource_metadata` and `scope` of the 401 challenge. */
  readonly challenge: { readonly resourceMetadata: string; readonly scope: string | undefined };
  readonly resource: string;
  readonly issuer: string;
  readonly metadata: Record<string, unknown>;
}

export interface Registered {
  readonly method: 'cimd' | 'dcr';
  /** Every client id registered (Claude registers twice and keeps the last). */
  readonly clientIds: readonly string[];
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /** The method the registration answer named: what the client authenticates with. */
  readonly authMethod: string;
}

export interface TokenPair {
  readonly access: string;
  readonly refresh: string;
}

const param = (header: string, name: string): string | undefined => new RegExp(`${name}="([^"]*)"`).exec(header)?.[1];

/** The unauthenticated probe's answer: 401 with a challenge naming the metadata (1.1, RFC 6750 §3.1). */
export function readChallenge(response: Response): Discovered['challenge'] {
  assert.equal(response.status, 401, 'the unauthenticated probe must be challenged first');
  const header = response.headers.get('www-authenticate') ?? '';
  assert.match(header, /^Bearer /, `WWW-Authenticate: ${header}`);
  assert.doesNotMatch(header, /error=/, 'no error= when no credentials were sent (RFC 6750 §3.1)');
  const resourceMetadata = param(header, 'resource_metadata');
  assert.ok(resourceMetadata !== undefined, `no resource_metadata in ${header}`);
  return { resourceMetadata, scope: param(header, 'scope') };
}

/** PRM: followed from the challenge, or at the path-inserted well-known URL (1.2). */
export async function readResourceMetadata(http: Http, challenge: Discovered['challenge'], resource: string): Promise<{ resource: string; issuer: string }> {
  const prmUrl = http.profile.discovery.followsResourceMetadata ? challenge.resourceMetadata : `${http.target.origin}/.well-known/oauth-protected-resource${new URL(resource).pathname}`;
  const response = await http.send(prmUrl, { phase: 'discovery' });
  const prm = await jsonOf(response, `PRM ${prmUrl}`, 200);
  assert.equal(prm['resource'], resource, 'PRM resource must equal the URL the user entered, path included');
  const servers = prm['authorization_servers'];
  assert.ok(Array.isArray(servers) && typeof servers[0] === 'string', 'PRM lists an authorization server');
  // Claude uses the first entry and never tries the others (1.2).
  return { resource, issuer: servers[0] };
}

/** AS metadata at the RFC 8414 well-known URL of the issuer, read as strictly as the client reads it (1.3). */
export async function readServerMetadata(http: Http, issuer: string): Promise<Record<string, unknown>> {
  const { profile } = http;
  const response = await http.send(`${issuer}/.well-known/oauth-authorization-server`, { phase: 'discovery' });
  const metadata = await jsonOf(response, 'authorization server metadata', 200);
  if (profile.discovery.strictIssuerMatch) assert.equal(metadata['issuer'], issuer, 'metadata issuer must be byte-identical to the issuer (RFC 8414 §3.3)');
  if (profile.discovery.requiresS256Advertised) assert.ok((metadata['code_challenge_methods_supported'] as unknown[] | undefined)?.includes('S256'), 'S256 must be advertised (#786)');
  // Claude builds endpoints on the MCP origin whatever the metadata says (#214, #82): keep them there.
  for (const name of ['authorization_endpoint', 'token_endpoint']) assert.equal(new URL(String(metadata[name])).origin, new URL(issuer).origin, `${name} is not on the issuer's origin`);
  return metadata;
}

/** RFC 7591 answer as a strict client reads it: 201, no nulls, the asked-for fields echoed. */
async function registerOnce(http: Http, endpoint: string, dcr: DcrRegistration): Promise<{ id: string; secret: string | undefined; method: string }> {
  const response = await http.send(endpoint, { phase: 'registration', json: dcr.body });
  const answer = await jsonOf(response, 'registration', 201);
  for (const [name, value] of Object.entries(answer)) assert.notEqual(value, null, `registration answer has "${name}": null (breaks strict clients)`);
  assert.equal(typeof answer['client_id'], 'string');
  assert.deepEqual(answer['redirect_uris'], dcr.body.redirect_uris);
  for (const name of ['grant_types', 'response_types', 'token_endpoint_auth_method']) assert.ok(answer[name] !== undefined, `registration answer must echo ${name}`);
  const method = String(answer['token_endpoint_auth_method']);
  const secret = typeof answer['client_secret'] === 'string' ? answer['client_secret'] : undefined;
  if (method !== 'none') assert.ok(secret !== undefined, `a ${method} client needs its client_secret`);
  return { id: String(answer['client_id']), secret, method };
}

/** Registers as the profile does: CIMD when the metadata allows it, else DCR (`attempts` times). */
export async function register(http: Http, discovered: Discovered): Promise<Registered> {
  const choice = chooseRegistration(http.profile, discovered.metadata);
  switch (choice.method) {
    case 'impossible':
      return assert.fail(choice.reason);
    case 'cimd':
      // Nothing to send: Keyway fetches the document when the client id reaches /authorize.
      return { method: 'cimd', clientIds: [choice.cimd.clientId], clientId: choice.cimd.clientId, clientSecret: undefined, authMethod: 'none' };
    case 'dcr': {
      const endpoint = String(discovered.metadata['registration_endpoint']);
      const answers = [];
      for (let attempt = 0; attempt < choice.dcr.attempts; attempt += 1) answers.push(await registerOnce(http, endpoint, choice.dcr));
      const last = answers.at(-1);
      assert.ok(last !== undefined);
      return { method: 'dcr', clientIds: answers.map((answer) => answer.id), clientId: last.id, clientSecret: last.secret, authMethod: last.method };
    }
  }
}

/** The client authentication of a token request, by the method the registration answer named. */
function clientAuth(registered: Registered, form: Record<string, string>): { form: Record<string, string>; headers: Record<string, string> } {
  if (registered.authMethod === 'client_secret_basic') {
    const pair = `${encodeURIComponent(registered.clientId)}:${encodeURIComponent(registered.clientSecret ?? '')}`;
    return { form, headers: { authorization: `Basic ${Buffer.from(pair).toString('base64')}` } };
  }
  const posted: Record<string, string> = { ...form, client_id: registered.clientId };
  if (registered.authMethod === 'client_secret_post') posted['client_secret'] = registered.clientSecret ?? '';
  return { form: posted, headers: {} };
}

function scopeOf(profile: ClientProfile, discovered: Discovered): string | undefined {
  const { scope } = profile.authorization;
  const base = 'fixed' in scope ? scope.fixed : scope.from === 'challenge' ? discovered.challenge.scope : undefined;
  if (!profile.authorization.asksOfflineAccess) return base;
  return [base, 'offline_access'].filter((part) => part !== undefined).join(' ');
}

const hiddenField = (html: string, name: string): string => {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  assert.ok(value !== undefined, `no hidden field ${name} in the consent page`);
  return value.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");
};

/** The browser: a top-level navigation, so no CORS, cookies in `jar`, redirects not followed. */
async function browse(http: Http, jar: CookieJar, url: string, form?: Record<string, string>): Promise<Response> {
  const cookie = jar.header();
  const response = await http.target.fetch(url, {
    method: form === undefined ? 'GET' : 'POST',
    redirect: 'manual',
    headers: { ...(cookie === undefined ? {} : { cookie }), ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin }) },
    ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
  });
  jar.store(response);
  http.transcript.push(`browser ${form === undefined ? 'GET' : 'POST'} ${new URL(url).pathname} → ${response.status}`);
  return response;
}

function redirectTarget(response: Response, base: string): string {
  const location = response.headers.get('location');
  assert.ok(response.status >= 300 && response.status < 400 && location !== null, `expected a redirect, got ${response.status}`);
  return new URL(location, base).href;
}

/**
 * The person in the browser: opens `url` (Keyway's `/authorize`), approves on the consent page,
 * signs in upstream, and follows Keyway's callback; returns where the browser is sent at the end
 * (the client's redirect URI with `code`, `state`, `iss`).
 */
export async function approveInBrowser(http: Http, url: string): Promise<URL> {
  const { target } = http;
  const jar = createCookieJar();
  const consent = await browse(http, jar, url);
  const page = await consent.text();
  assert.equal(consent.status, 200, `authorize answered ${consent.status}: ${page.slice(0, 300)}`);
  const approved = await browse(http, jar, `${target.origin}/consent`, { flow: hiddenField(page, 'flow'), csrf: hiddenField(page, 'csrf'), decision: 'approve' });
  const callback = await target.upstream(redirectTarget(approved, target.origin), target.userName ?? 'alice', jar);
  return new URL(redirectTarget(await browse(http, jar, callback), target.origin));
}

function authorizationUrl(discovered: Discovered, params: Record<string, string | undefined>): string {
  const url = new URL(String(discovered.metadata['authorization_endpoint']));
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `uri` on a port other than the registered one, as a native client binding a free port sends it. */
function onAnotherLoopbackPort(uri: string): string {
  const url = new URL(uri);
  if (!LOOPBACK.has(url.hostname)) return uri;
  url.port = String(url.port === '' ? 49152 : Number(url.port) + 1);
  return url.href;
}

/**
 * The authorization leg: every redirect URI the client registered is accepted at `/authorize`;
 * with the first, the person approves on the consent page and signs in upstream; the client then
 * judges the redirect it gets back (state, code, and RFC 9207 `iss` where it checks it).
 */
export async function authorize(http: Http, discovered: Discovered, registered: Registered): Promise<{ code: string; verifier: string; redirectUri: string }> {
  const { profile } = http;
  const pkce = createPkce();
  const state = randomBytes(16).toString('base64url');
  const common = {
    response_type: 'code',
    client_id: registered.clientId,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state,
    scope: scopeOf(profile, discovered),
    resource: profile.authorization.sendsResource ? discovered.resource : undefined,
  };
  const [registeredUri, ...others] = profile.authorization.redirectUris;
  assert.ok(registeredUri !== undefined);
  const redirectUri = profile.authorization.loopbackPortVaries ? onAnotherLoopbackPort(registeredUri) : registeredUri;
  for (const other of others) {
    const consent = await browse(http, createCookieJar(), authorizationUrl(discovered, { ...common, redirect_uri: other }));
    await consent.body?.cancel();
    assert.equal(consent.status, 200, `registered redirect URI ${other} refused at /authorize`);
  }
  const back = await approveInBrowser(http, authorizationUrl(discovered, { ...common, redirect_uri: redirectUri }));
  assert.equal(`${back.protocol}//${back.host}${back.pathname}`, redirectUri.replace(/\?.*$/, ''), 'sent back to the redirect URI it authorized with');
  assert.equal(back.searchParams.get('state'), state);
  const iss = back.searchParams.get('iss');
  if (profile.authorization.checksIss) {
    if (discovered.metadata['authorization_response_iss_parameter_supported'] === true) assert.ok(iss !== null, 'iss advertised but missing (RFC 9207 §2.4)');
    if (iss !== null) assert.equal(iss, discovered.metadata['issuer'], 'iss must equal the metadata issuer (RFC 9207 §2.4)');
  }
  const code = back.searchParams.get('code');
  assert.ok(code !== null, `no code in ${back.href}`);
  return { code, verifier: pkce.verifier, redirectUri };
}

/** A `/token` request with the profile's authentication; the pair it returns (1.6). */
export async function token(http: Http, discovered: Discovered, registered: Registered, grant: Record<string, string>): Promise<TokenPair> {
  const form = http.profile.authorization.sendsResource ? { ...grant, resource: discovered.resource } : grant;
  const auth = clientAuth(registered, form);
  const response = await http.send(String(discovered.metadata['token_endpoint']), { phase: 'token', form: auth.form, headers: auth.headers });
  const answer = await jsonOf(response, `token (${grant['grant_type']})`, 200);
  assert.match(response.headers.get('cache-control') ?? '', /no-store/);
  assert.match(String(answer['token_type']), /^bearer$/i);
  assert.equal(typeof answer['access_token'], 'string');
  assert.equal(typeof answer['refresh_token'], 'string', 'a refresh token even without offline_access (1.5)');
  assert.ok(typeof answer['expires_in'] === 'number' && answer['expires_in'] > 0);
  return { access: String(answer['access_token']), refresh: String(answer['refresh_token']) };
}
