/**
 * The schema, as numbered steps. Rule: a released step is never edited; a change is a new step with
 * the next number. `migrate` applies each pending step in its own transaction and records it in
 * `schema_migrations`. docs/storage-schema.md describes the resulting tables.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const INITIAL_SCHEMA = `
CREATE TABLE clients (
  client_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  client_name TEXT,
  redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  response_types TEXT NOT NULL,
  token_endpoint_auth_method TEXT NOT NULL,
  secret_hash TEXT,
  secret_expires_at INTEGER NOT NULL,
  scope TEXT,
  client_uri TEXT,
  logo_uri TEXT,
  tos_uri TEXT,
  policy_uri TEXT,
  software_id TEXT,
  software_version TEXT,
  contacts TEXT,
  issued_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
) STRICT;
CREATE INDEX clients_unused ON clients (kind, last_used_at);

CREATE TABLE grants (
  grant_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  user_name TEXT,
  scopes TEXT NOT NULL,
  resource TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  upstream_sealed TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE INDEX grants_client ON grants (client_id);
CREATE INDEX grants_expiry ON grants (expires_at);

CREATE TABLE codes (
  code_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES grants (grant_id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  resource TEXT NOT NULL,
  scopes TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  consumed_at INTEGER
) STRICT;
CREATE INDEX codes_grant ON codes (grant_id);
CREATE INDEX codes_expiry ON codes (expires_at);

CREATE TABLE access_tokens (
  token_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES grants (grant_id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scopes TEXT NOT NULL,
  resource TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX access_tokens_grant ON access_tokens (grant_id);
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES grants (grant_id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  resource TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  rotated_at INTEGER,
  successor_hash TEXT,
  retry_sealed TEXT
) STRICT;
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_retry ON refresh_tokens (rotated_at) WHERE retry_sealed IS NOT NULL;

CREATE TABLE consents (
  subject TEXT NOT NULL,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  scope_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (subject, client_id, redirect_uri, scope_key)
) STRICT;
CREATE INDEX consents_client ON consents (client_id);

CREATE TABLE flows (
  namespace TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, id)
) STRICT;
CREATE INDEX flows_expiry ON flows (expires_at);
`;

/** Ended connect journeys for `keyway journeys` (docs/journeys.md); the body is the journey as JSON. */
const JOURNEYS = `
CREATE TABLE journeys (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  body TEXT NOT NULL
) STRICT;
CREATE INDEX journeys_ended ON journeys (ended_at);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: INITIAL_SCHEMA },
  { version: 2, name: 'connect journeys', sql: JOURNEYS },
];
