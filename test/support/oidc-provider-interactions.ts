import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { createCookieJar, type CookieJar } from './cookie-jar.js';

/**
 * The test provider's interaction endpoints (its login and consent "pages", as JSON and forms so a
 * test drives them with fetch), and the headless browser that drives them:
 *
 * - `GET  /interaction/:uid`          → `{ prompt }` (`login` or `consent`)
 * - `POST /interaction/:uid/login`    `login=<name>` → signs that account in
 * - `POST /interaction/:uid/confirm`  → grants the requested scopes and claims
 * - `POST /interaction/:uid/abort`    → `error=access_denied` back to the client
 *
 * Each finished step answers 303 to the provider's resume URL, as oidc-provider does.
 */
interface Login {
  readonly login: string;
  readonly sub: string;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function consent(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<InteractionResults> {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  const grant = grantId === undefined ? new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) }) : await provider.Grant.find(grantId);
  if (grant === undefined) throw new Error('the grant being extended is gone');
  const details = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (details.missingOIDCScope !== undefined) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims !== undefined) grant.addOIDCClaims(details.missingOIDCClaims);
  return { consent: { grantId: await grant.save() } };
}

async function step(provider: Provider, users: readonly Login[], action: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let result: InteractionResults;
  if (action === 'abort') result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
  else if (action === 'confirm') result = await consent(provider, req, res);
  else {
    const login = (await readForm(req)).get('login');
    const user = users.find((candidate) => candidate.login === login);
    if (user === undefined) return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end('unknown user');
    result = { login: { accountId: user.sub } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: action === 'confirm' });
}

export async function handleInteraction(provider: Provider, users: readonly Login[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [, , , action] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
  try {
    if (req.method === 'GET' && action === undefined) {
      const { prompt, uid } = await provider.interactionDetails(req, res);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ uid, prompt: prompt.name }));
      return;
    }
    if (req.method === 'POST' && (action === 'login' || action === 'confirm' || action === 'abort')) return await step(provider, users, action, req, res);
    res.writeHead(404).end();
  } catch (error) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(error instanceof Error ? error.message : 'interaction failed');
  }
}

async function visit(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const cookie = jar.header();
  const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie === undefined ? {} : { Cookie: cookie }) } });
  jar.store(response);
  return response;
}

/** Answers the interaction page at `url` (what a person would click); returns where it redirects. */
async function answer(jar: CookieJar, url: string, page: Response, choice: { readonly login: string } | 'deny'): Promise<string> {
  const { prompt } = (await page.json()) as { prompt: string };
  const action = choice === 'deny' ? 'abort' : prompt === 'login' ? 'login' : 'confirm';
  const body = choice === 'deny' ? '' : new URLSearchParams({ login: choice.login }).toString();
  const response = await visit(jar, `${url}/${action}`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  if (response.status !== 303) throw new Error(`interaction ${action} answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location') ?? '', url).href;
}

/**
 * A fresh browser (its own cookie jar, so no earlier session is reused) from `redirectTo` through
 * login and consent until the provider redirects away from itself: that redirect's query.
 */
export async function driveOidcLogin(issuer: string, redirectTo: string, choice: { readonly login: string } | 'deny'): Promise<Record<string, string>> {
  const jar = createCookieJar();
  let url = redirectTo;
  for (let hop = 0; hop < 12; hop += 1) {
    const response = await visit(jar, url);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      const next = new URL(location, url);
      if (next.origin !== new URL(issuer).origin) return Object.fromEntries(next.searchParams);
      url = next.href;
      continue;
    }
    if (response.status !== 200 || !new URL(url).pathname.startsWith('/interaction/')) throw new Error(`the provider answered ${response.status} at ${url}: ${await response.text()}`);
    url = await answer(jar, url, response, choice);
  }
  throw new Error('the provider never redirected back to the client');
}
