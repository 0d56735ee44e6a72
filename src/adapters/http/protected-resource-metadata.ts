import type { OAuthPolicy } from '../../domain/oauth-policy.js';
import { sendJson } from './respond.js';
import type { Route } from './types.js';

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), one document per MCP endpoint:
 * `/.well-known/oauth-protected-resource/mcp` says `resource: <public>/mcp`, `…/sse` says
 * `<public>/sse`, and the root document describes the origin. Claude.ai needs `resource` to equal
 * the URL the person pasted, while SDK clients and mcp-remote refuse a resource that is not a prefix
 * of the URL they connect to — hence one document per endpoint (DESIGN.md "The connect flow").
 * Every URL derives from configuration, never from request headers (SECURITY.md A3).
 * @see RFC 9728 §2, §3.1
 */
export const PRM_PATH = '/.well-known/oauth-protected-resource';

export interface ResourceDocument {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported: readonly string[];
  readonly bearer_methods_supported: readonly string[];
  readonly resource_name: string;
}

export function resourceDocument(policy: OAuthPolicy, resource: string): ResourceDocument {
  return {
    resource,
    authorization_servers: [policy.issuer],
    scopes_supported: policy.scopes,
    bearer_methods_supported: ['header'],
    resource_name: 'Keyway',
  };
}

/** The metadata URL a 401 on `endpointPath` points at (`/messages` belongs to `/sse`). */
export function metadataUrlFor(policy: OAuthPolicy, endpointPath: string): string {
  const trimmed = endpointPath.replace(/\/+$/, '');
  const endpoint = trimmed === '/messages' ? '/sse' : trimmed;
  return `${policy.issuer}${PRM_PATH}${endpoint === '/mcp' || endpoint === '/sse' ? endpoint : ''}`;
}

export function protectedResourceRoutes(policy: OAuthPolicy): Route[] {
  const documents: Array<[string, string]> = [
    [`${PRM_PATH}/mcp`, `${policy.issuer}/mcp`],
    [`${PRM_PATH}/sse`, `${policy.issuer}/sse`],
    [PRM_PATH, policy.issuer],
  ];
  return documents.map(([path, resource]) => {
    const body = resourceDocument(policy, resource);
    return {
      method: 'GET',
      path,
      handler: async ({ res }) => sendJson(res, 200, body, { 'Cache-Control': 'public, max-age=3600' }),
    };
  });
}
