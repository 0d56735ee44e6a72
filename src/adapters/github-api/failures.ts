import type { UpstreamFailure } from '../../domain/ports/upstream.js';

/**
 * GitHub's error answers as {@link UpstreamFailure}s. A 401 is handled by the caller (it revokes).
 * @see https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api
 * @see https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
 */

const MAX_MESSAGE = 300;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Printable and short: GitHub's text goes to a model, so control characters and length are cut. */
function tidy(text: string): string {
  const printable = Array.from(text, (char) => (char < ' ' || char === '\u007f' ? ' ' : char)).join('').replace(/\s+/g, ' ').trim();
  return printable.length <= MAX_MESSAGE ? printable : `${printable.slice(0, MAX_MESSAGE - 1)}…`;
}

/** GitHub's `message`, plus the `errors[].message` details of a 422. */
export function githubMessage(body: unknown, status: number): string {
  if (!isObject(body) || typeof body['message'] !== 'string') return `HTTP ${status}`;
  const details = Array.isArray(body['errors'])
    ? body['errors'].flatMap((item) => (isObject(item) && typeof item['message'] === 'string' ? [item['message']] : []))
    : [];
  return tidy(details.length === 0 ? body['message'] : `${body['message']}: ${details.join('; ')}`);
}

const wholeNumber = (value: string | null): number | undefined => {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
};

/** Primary limit: `x-ratelimit-remaining: 0`; secondary limit: `retry-after`, or the message says so. */
function isRateLimited(status: number, headers: Headers, message: string): boolean {
  return status === 429 || headers.get('x-ratelimit-remaining') === '0' || headers.has('retry-after') || /rate limit/i.test(message);
}

function rateLimited(headers: Headers): UpstreamFailure {
  const retryAfterSeconds = wholeNumber(headers.get('retry-after'));
  const resetAt = wholeNumber(headers.get('x-ratelimit-reset'));
  if (retryAfterSeconds !== undefined) return { kind: 'rate_limited', retryAfterSeconds };
  if (resetAt !== undefined && headers.get('x-ratelimit-remaining') === '0') return { kind: 'rate_limited', resetAt };
  return { kind: 'rate_limited', retryAfterSeconds: 60 };
}

/**
 * An organization enforcing SAML SSO answers 403 with `X-GitHub-SSO: required; url=…`, the page
 * where the user authorizes the token for that organization.
 * @see https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#resource-protected-by-saml-enforcement
 */
function ssoHint(headers: Headers): { hint?: string } {
  const sso = headers.get('x-github-sso');
  const url = sso === null ? undefined : /url=(https:\/\/\S+)/.exec(sso)?.[1];
  if (url === undefined) return {};
  return { hint: `An organization requires SAML single sign-on for this access; the user can authorize it at ${tidy(url)}` };
}

export function failureOf(status: number, headers: Headers, body: unknown, subject: string | undefined): UpstreamFailure {
  const message = githubMessage(body, status);
  if (status === 403 || status === 429) {
    return isRateLimited(status, headers, message) ? rateLimited(headers) : { kind: 'forbidden', message, ...ssoHint(headers) };
  }
  if (status === 404 || status === 410) return { kind: 'not_found', message: subject === undefined ? message : `no ${subject} (${message})` };
  if (status === 400 || status === 422) return { kind: 'invalid', message };
  return { kind: 'unavailable', message: `GitHub answered HTTP ${status}` };
}
