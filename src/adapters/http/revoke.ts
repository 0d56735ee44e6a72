import type { ClientRegistry } from '../../domain/clients/registry.js';
import { DomainError } from '../../domain/errors.js';
import type { TokenService } from '../../domain/tokens/token-service.js';
import { authenticateClient, claimedClientId, presentedCredentials } from './client-auth.js';
import { sendAnyOAuthError } from './oauth-errors.js';
import { readOAuthForm } from './oauth-form.js';
import type { ClientLimit } from './token.js';
import type { HttpContext, Route } from './types.js';

export interface RevokeRouteDeps {
  readonly tokens: Pick<TokenService, 'revoke'>;
  readonly clients: ClientRegistry;
  readonly limit?: ClientLimit;
}

/**
 * `POST /revoke`. The same form and client-authentication rules as `/token` (a public client
 * sends its `client_id`, SECURITY.md G7). Unknown, invalid and other clients' tokens are answered
 * 200 like real ones, so the endpoint tells nobody which tokens exist.
 * @see RFC 7009 §2.1, §2.2
 */
async function handleRevoke(deps: RevokeRouteDeps, ctx: HttpContext): Promise<void> {
  const form = await readOAuthForm(ctx);
  if (form === undefined) return;
  const presented = presentedCredentials(ctx.req, form);
  try {
    const token = form['token'];
    if (token === undefined) throw new DomainError('invalid_request', 'token is required');
    if (deps.limit !== undefined && !deps.limit(ctx, claimedClientId(presented, form))) return;
    const auth = await authenticateClient(deps.clients, presented);
    if (!auth.ok) throw auth.error;
    await deps.tokens.revoke({ client: auth.client, token, tokenTypeHint: form['token_type_hint'] });
    ctx.res.writeHead(200, { 'Cache-Control': 'no-store', 'Content-Length': '0' });
    ctx.res.end();
  } catch (error) {
    sendAnyOAuthError(ctx.res, error, ctx.logger, { basicAuth: presented.basic });
  }
}

export function revokeRoute(deps: RevokeRouteDeps): Route {
  return { method: 'POST', path: '/revoke', handler: (ctx) => handleRevoke(deps, ctx) };
}
