import { CLAUDE_AI, CLAUDE_AI_2026, CLAUDE_CODE } from './claude.js';
import { CHATGPT, CURSOR, VSCODE } from './others.js';
import { MCP_INSPECTOR, MCP_REMOTE } from './sdk-clients.js';
import type { CimdRegistration, ClientProfile, ClientProfileId, DcrRegistration } from './types.js';

export type * from './types.js';
export { SPEC_ACCEPT } from './types.js';
export { CLAUDE_CIMD_CLIENT_ID } from './claude.js';

/** Every client profile, in the order CLIENTS.md §5 lists the clients. */
export const CLIENT_PROFILES: readonly ClientProfile[] = Object.freeze([
  CLAUDE_AI,
  CLAUDE_AI_2026,
  CLAUDE_CODE,
  MCP_REMOTE,
  MCP_INSPECTOR,
  VSCODE,
  CURSOR,
  CHATGPT,
]);

/** The profile with this id; throws for an unknown one (ids are a closed set). */
export function clientProfile(id: ClientProfileId): ClientProfile {
  const profile = CLIENT_PROFILES.find((candidate) => candidate.id === id);
  if (profile === undefined) throw new Error(`unknown client profile: ${id}`);
  return profile;
}

/** True when `value` names a profile (for command-line input). */
export function isClientProfileId(value: string): value is ClientProfileId {
  return CLIENT_PROFILES.some((profile) => profile.id === value);
}

/** The parts of RFC 8414 authorization server metadata that steer a client's registration. */
export interface RegistrationMetadata {
  readonly registration_endpoint?: string;
  readonly client_id_metadata_document_supported?: boolean;
  readonly token_endpoint_auth_methods_supported?: readonly string[];
}

export type RegistrationChoice =
  | { readonly method: 'cimd'; readonly cimd: CimdRegistration }
  | { readonly method: 'dcr'; readonly dcr: DcrRegistration }
  | { readonly method: 'impossible'; readonly reason: string };

/**
 * How `profile` would register against an AS advertising `metadata`: CIMD when it can and the
 * metadata allows it (CLIENTS.md 1.4: `client_id_metadata_document_supported` and, for Claude,
 * `none` among the auth methods), else DCR when a registration endpoint is advertised. With
 * neither, Claude reports "Incompatible auth server" (render-oss/render-mcp-server#25).
 */
export function chooseRegistration(profile: ClientProfile, metadata: RegistrationMetadata): RegistrationChoice {
  const { cimd, dcr } = profile.registration;
  const methods = metadata.token_endpoint_auth_methods_supported ?? [];
  const cimdAllowed = metadata.client_id_metadata_document_supported === true && (cimd?.requiresNoneAuthMethod !== true || methods.includes('none'));
  if (cimd !== undefined && cimdAllowed) return { method: 'cimd', cimd };
  if (typeof metadata.registration_endpoint === 'string') return { method: 'dcr', dcr };
  return { method: 'impossible', reason: `${profile.displayName} needs a registration_endpoint${cimd === undefined ? '' : ' or client_id_metadata_document_supported with "none"'} in the authorization server metadata` };
}
