import { z } from 'zod';
import { clientMetadataShape, metadataInputOf } from '../adapters/http/register.js';
import type { Client } from '../domain/clients/client.js';
import { buildPreregisteredClients, type PreregisteredClientEntry, type PreregisteredDeps } from '../domain/clients/preregistered.js';
import { isDomainError } from '../domain/errors.js';
import { ConfigError } from './config-error.js';

/**
 * `KEYWAY_CLIENTS`: a JSON array of RFC 7591 client metadata objects (snake_case, as a
 * registration body) with a `client_id` and, for a confidential client, a `client_secret`:
 *
 *     [{"client_id":"claude","client_secret":"…","redirect_uris":["https://claude.ai/api/mcp/auth_callback"]}]
 *
 * Unknown fields are ignored, like at `/register`. Any mistake stops start-up with one line.
 */
const VARIABLE = 'KEYWAY_CLIENTS';
const HINT = 'a JSON array of objects with client_id, redirect_uris and optionally client_secret';

const entrySchema = z.object({
  ...clientMetadataShape,
  client_id: z.string().min(1),
  client_secret: z.string().min(1).optional(),
});

const entriesSchema = z.array(entrySchema);

function fail(reason: string): never {
  throw new ConfigError(`${VARIABLE}: ${reason.replace(/\s+/g, ' ')} (${HINT})`);
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    fail('is not valid JSON');
  }
}

/** Parses the variable into entries; absent or blank → none. Throws {@link ConfigError}. */
export function parsePreregisteredClients(text: string | undefined): PreregisteredClientEntry[] {
  if (text === undefined || text.trim() === '') return [];
  const parsed = entriesSchema.safeParse(parseJsonText(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `client ${issue.path.map(String).join('.')}: `;
    fail(`${where}${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data.map((entry) => ({
    ...metadataInputOf(entry),
    clientId: entry.client_id,
    ...(entry.client_secret === undefined ? {} : { clientSecret: entry.client_secret }),
  }));
}

/**
 * Parses and builds the configured clients (secrets hashed, redirect URIs checked by the same
 * policy as registrations). Throws {@link ConfigError} naming `KEYWAY_CLIENTS`.
 */
export function loadPreregisteredClients(text: string | undefined, deps: PreregisteredDeps): readonly Client[] {
  const entries = parsePreregisteredClients(text);
  try {
    return buildPreregisteredClients(entries, deps);
  } catch (error) {
    if (isDomainError(error)) fail(error.message);
    throw error;
  }
}
