import { DomainError } from '../../domain/errors.js';
import { BodyError, decodeUtf8, mediaType, readBody } from './body.js';
import { sendOAuthError } from './oauth-errors.js';
import { sendJson } from './respond.js';
import type { HttpContext } from './types.js';

/** Token and revocation requests are small; 16 KiB is far above any real one (SECURITY.md K1). */
export const OAUTH_FORM_LIMIT = 16 * 1024;

/** A parsed form: each parameter once, empty values left out. */
export type OAuthForm = Readonly<Record<string, string>>;

const FORM = 'application/x-www-form-urlencoded';
const SAFE_NAME = /^[A-Za-z0-9_]{1,64}$/;

function invalidRequest(ctx: HttpContext, description: string): undefined {
  sendOAuthError(ctx.res, new DomainError('invalid_request', description));
  return undefined;
}

/**
 * Parameters of a form body. A parameter sent twice is an error (RFC 6749 §3.1: "MUST NOT be
 * included more than once"); one sent without a value counts as omitted (same section).
 * Only a well-formed parameter name is echoed in the error, never a value.
 */
function fieldsOf(ctx: HttpContext, text: string): OAuthForm | undefined {
  const seen = new Set<string>();
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (seen.has(name)) return invalidRequest(ctx, SAFE_NAME.test(name) ? `parameter ${name} is repeated` : 'a parameter is repeated');
    seen.add(name);
    if (value !== '') fields[name] = value;
  }
  return fields;
}

function bodyFailure(ctx: HttpContext, error: unknown): undefined {
  if (!(error instanceof BodyError)) throw error;
  if (error.code !== 'too_large') return invalidRequest(ctx, error.message);
  sendJson(ctx.res, 413, { error: 'invalid_request', error_description: error.message }, { 'Cache-Control': 'no-store', Connection: 'close' });
  return undefined;
}

/**
 * Reads an `application/x-www-form-urlencoded` body (the only encoding the token and revocation
 * endpoints take), answering the request itself and returning `undefined` when it cannot: another
 * or a mixed media type, invalid UTF-8, a repeated parameter → 400 `invalid_request`; a body over
 * the limit → 413. Never a 500 for bad input (SECURITY.md F10, K1).
 * @see RFC 6749 §3.2, RFC 7009 §2.1
 */
export async function readOAuthForm(ctx: HttpContext, limit = OAUTH_FORM_LIMIT): Promise<OAuthForm | undefined> {
  if (mediaType(ctx.req) !== FORM) {
    ctx.req.resume();
    return invalidRequest(ctx, `the body must be ${FORM}`);
  }
  let text: string;
  try {
    text = decodeUtf8(await readBody(ctx.req, limit));
  } catch (error) {
    return bodyFailure(ctx, error);
  }
  return fieldsOf(ctx, text);
}
