import { z } from 'zod';
import type { OidcOptions } from '../adapters/identity/oidc/oidc-identity-provider.js';
import { ConfigError } from './config-error.js';

/**
 * The OpenID Connect provider's settings (`KEYWAY_IDP=oidc`), parsed from the environment. A missing
 * or bad value stops start-up with one line naming the variable, where to get it, and the redirect
 * URI to register at the provider. README's configuration table lists the same variables.
 */
export type OidcSettings = Pick<OidcOptions, 'issuer' | 'clientId' | 'clientSecret' | 'scopes' | 'allowedEmailDomains' | 'requiredClaim' | 'useUserinfo'>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const urlOf = (value: string): URL | undefined => (URL.canParse(value) ? new URL(value) : undefined);

/** A rule about the parsed URL; a value that is no URL at all is left to `.url()` to report. */
const urlRule = (rule: (url: URL) => boolean) => (value: string): boolean => {
  const url = urlOf(value);
  return url === undefined || rule(url);
};

/** Built when the settings are read, so a deployment without OpenID Connect never pays for it at start-up. */
function settingsSchema() {
  /** Kept exactly as written: the provider's discovery document must name this very string. */
  const issuer = z
    .string()
    .url()
    .refine(urlRule((url) => url.protocol === 'https:' || url.protocol === 'http:'), 'must be an http(s) URL')
    .refine(urlRule((url) => url.search === '' && url.hash === ''), 'must not carry a query or fragment')
    .refine(urlRule((url) => url.protocol === 'https:' || LOOPBACK.has(url.hostname)), 'must use https unless it is a loopback address');

  /** Space- or comma-separated. @see RFC 6749 §3.3 (scope-token characters) */
  const scopes = z
    .string()
    .transform((value) => value.split(/[\s,]+/).filter((item) => item !== ''))
    .pipe(z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'scope tokens are printable ASCII without spaces, quotes or backslashes')).min(1));

  const domains = z
    .string()
    .transform((value) => value.split(',').map((item) => item.trim().replace(/^@/, '').toLowerCase()).filter((item) => item !== ''))
    .pipe(z.array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'list domain names like example.com')).min(1));

  const requiredClaim = z
    .string()
    .regex(/^[^=\s]+=.+$/, 'must be name=value')
    .transform((value) => ({ name: value.slice(0, value.indexOf('=')), value: value.slice(value.indexOf('=') + 1) }));

  return z.object({
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: z.string().max(512),
    OIDC_CLIENT_SECRET: z.string().max(4096).optional(),
    OIDC_SCOPES: scopes.optional(),
    OIDC_ALLOWED_EMAIL_DOMAINS: domains.optional(),
    OIDC_REQUIRED_CLAIM: requiredClaim.optional(),
    OIDC_USERINFO: z.enum(['on', 'off']).optional(),
  });
}

function fixes(callbackUrl: string): Readonly<Record<string, string>> {
  return {
    OIDC_ISSUER: `your provider's issuer URL exactly as its /.well-known/openid-configuration states it, e.g. https://accounts.google.com; register the redirect URI ${callbackUrl} there`,
    OIDC_CLIENT_ID: `create an OAuth client (web application) at your OpenID provider with the redirect URI ${callbackUrl} and copy its client ID`,
    OIDC_CLIENT_SECRET: 'the client secret of that same client; leave it unset for a public client',
    OIDC_SCOPES: 'list scopes separated by spaces or commas, e.g. openid,profile,email',
    OIDC_ALLOWED_EMAIL_DOMAINS: 'list e-mail domains separated by commas, e.g. example.com,example.org',
    OIDC_REQUIRED_CLAIM: 'a claim and the value it must have or contain, e.g. groups=mcp-users',
    OIDC_USERINFO: 'on, off, or unset to use userinfo when the provider has it',
  };
}

function describe(issue: z.core.$ZodIssue, callbackUrl: string): string {
  const variable = String(issue.path[0] ?? 'OIDC_ISSUER');
  const fix = fixes(callbackUrl)[variable] ?? 'see the configuration table in README.md';
  const message = issue.code === 'invalid_type' ? 'required when KEYWAY_IDP=oidc' : issue.message;
  return `${variable}: ${message} (${fix})`;
}

/** Parses the `OIDC_*` variables. Throws {@link ConfigError} with one line naming the variable. */
export function loadOidcSettings(env: Readonly<Record<string, string | undefined>>, publicUrl: URL): OidcSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([name, value]) => name.startsWith('OIDC_') && value !== undefined && value.trim() !== ''));
  const parsed = settingsSchema().safeParse(present);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(first === undefined ? 'invalid OIDC configuration' : describe(first, `${publicUrl.origin}/callback`));
  }
  const values = parsed.data;
  return Object.freeze({
    issuer: values.OIDC_ISSUER,
    clientId: values.OIDC_CLIENT_ID,
    ...(values.OIDC_CLIENT_SECRET === undefined ? {} : { clientSecret: values.OIDC_CLIENT_SECRET }),
    ...(values.OIDC_SCOPES === undefined ? {} : { scopes: Object.freeze(values.OIDC_SCOPES) }),
    ...(values.OIDC_ALLOWED_EMAIL_DOMAINS === undefined ? {} : { allowedEmailDomains: Object.freeze(values.OIDC_ALLOWED_EMAIL_DOMAINS) }),
    ...(values.OIDC_REQUIRED_CLAIM === undefined ? {} : { requiredClaim: Object.freeze(values.OIDC_REQUIRED_CLAIM) }),
    ...(values.OIDC_USERINFO === undefined ? {} : { useUserinfo: values.OIDC_USERINFO === 'on' }),
  });
}
