import { z } from 'zod';
import type { Client } from '../../domain/clients/client.js';
import type { ClientMetadataInput, ClientRegistry, Registration } from '../../domain/clients/registry.js';
import { DomainError, isDomainError } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports/logger.js';
import { BodyError, mediaType, parseJson, readBody } from './body.js';
import { sendAnyOAuthError, sendOAuthError } from './oauth-errors.js';
import { sendJson } from './respond.js';
import type { HttpContext, Route } from './types.js';

/** Registration bodies are small; 64 KiB is far above any real one (SECURITY.md B6, K1). */
export const REGISTER_BODY_LIMIT = 64 * 1024;
/** Deepest JSON nesting accepted (SECURITY.md B6). */
export const MAX_JSON_DEPTH = 64;

const text = z.string().nullish();
const texts = z.array(z.string()).nullish();

/**
 * The RFC 7591 §2 fields Keyway reads, snake_case as on the wire. `null` counts as absent (some
 * clients serialise unset fields so). Unknown fields are dropped, and so are `client_id`,
 * `client_secret` and `client_id_issued_at`: the server makes its own (SECURITY.md B8).
 */
export const clientMetadataShape = {
  redirect_uris: texts,
  token_endpoint_auth_method: text,
  grant_types: texts,
  response_types: texts,
  client_name: text,
  client_uri: text,
  logo_uri: text,
  tos_uri: text,
  policy_uri: text,
  scope: text,
  contacts: texts,
  software_id: text,
  software_version: text,
};

const registrationBody = z.object(clientMetadataShape);

type WireMetadata = z.infer<typeof registrationBody>;

/** snake_case wire metadata → the domain's camelCase input, leaving absent fields out. */
export function metadataInputOf(wire: WireMetadata): ClientMetadataInput {
  const input: Record<string, unknown> = {
    redirectUris: wire.redirect_uris,
    tokenEndpointAuthMethod: wire.token_endpoint_auth_method,
    grantTypes: wire.grant_types,
    responseTypes: wire.response_types,
    clientName: wire.client_name,
    clientUri: wire.client_uri,
    logoUri: wire.logo_uri,
    tosUri: wire.tos_uri,
    policyUri: wire.policy_uri,
    scope: wire.scope,
    contacts: wire.contacts,
    softwareId: wire.software_id,
    softwareVersion: wire.software_version,
  };
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null));
}

/** Nesting depth of a JSON text, counted without parsing (strings are skipped). */
export function jsonDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i += 1) {
    const char = json[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth -= 1;
  }
  return deepest;
}

function invalidMetadata(message: string): DomainError {
  return new DomainError('invalid_client_metadata', message);
}

/** A zod issue as one line naming the field, never echoing the value. */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  return field === '' ? 'the body must be a JSON object' : `${field}: ${issue?.message ?? 'invalid value'}`;
}

/** The body as domain input; throws `DomainError` (400) or `BodyError` (413/400). */
async function readMetadata(ctx: HttpContext): Promise<ClientMetadataInput> {
  const body = await readBody(ctx.req, REGISTER_BODY_LIMIT);
  if (jsonDepth(body.toString('latin1')) > MAX_JSON_DEPTH) throw invalidMetadata(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  const json = parseJson(body);
  const parsed = registrationBody.safeParse(json);
  if (!parsed.success || typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidMetadata(parsed.success ? 'the body must be a JSON object' : describeIssue(parsed.error));
  }
  return metadataInputOf(parsed.data);
}

/**
 * RFC 7591 §3.2.1 response: the stored metadata with defaults filled in, unset fields omitted
 * (a `null` breaks strict clients, CLIENTS.md 1.4), and the secret only for a confidential client.
 */
export function registrationResponse(registration: Registration): Record<string, unknown> {
  const client: Client = registration.client;
  const body: Record<string, unknown> = {
    client_id: client.clientId,
    client_id_issued_at: client.issuedAt,
    ...(registration.clientSecret === undefined ? {} : { client_secret: registration.clientSecret, client_secret_expires_at: client.secretExpiresAt }),
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    client_name: client.clientName,
    client_uri: client.clientUri,
    logo_uri: client.logoUri,
    tos_uri: client.tosUri,
    policy_uri: client.policyUri,
    scope: client.scope,
    contacts: client.contacts,
    software_id: client.softwareId,
    software_version: client.softwareVersion,
  };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined && value !== null));
}

function sendBodyError(ctx: HttpContext, error: BodyError): void {
  if (error.code === 'too_large') {
    sendJson(ctx.res, 413, { error: 'invalid_request', error_description: error.message }, { 'Cache-Control': 'no-store', Connection: 'close' });
  } else {
    sendOAuthError(ctx.res, invalidMetadata(error.message));
  }
}

export interface RegisterRouteDeps {
  readonly registry: ClientRegistry;
  readonly logger: Logger;
  /** `false` means the request was refused and already answered (429, SECURITY.md B9). */
  readonly limit?: (ctx: HttpContext) => boolean;
}

/**
 * `POST /register`: dynamic client registration. JSON only (another media type → 415), at most
 * 64 KiB (413) and 64 levels deep, fields parsed at the edge; the registry applies the policy.
 * @see RFC 7591 §3, SECURITY.md B1–B9
 */
export function registerRoute(deps: RegisterRouteDeps): Route {
  const handler = async (ctx: HttpContext): Promise<void> => {
    if (deps.limit !== undefined && !deps.limit(ctx)) return;
    if (mediaType(ctx.req) !== 'application/json') {
      ctx.req.resume();
      sendJson(ctx.res, 415, { error: 'invalid_request', error_description: 'the body must be application/json' }, { 'Cache-Control': 'no-store' });
      return;
    }
    try {
      const registration = await deps.registry.register(await readMetadata(ctx));
      ctx.journey = { clientId: registration.client.clientId };
      sendJson(ctx.res, 201, registrationResponse(registration), { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    } catch (error) {
      if (isDomainError(error)) deps.logger.info('clients.registration_refused', { requestId: ctx.requestId, error: error.code, reason: error.message });
      ctx.journey = { note: isDomainError(error) ? error.code : error instanceof BodyError ? `body_${error.code}` : 'unexpected' };
      if (error instanceof BodyError) sendBodyError(ctx, error);
      else sendAnyOAuthError(ctx.res, error, ctx.logger);
    }
  };
  return { method: 'POST', path: '/register', handler };
}
