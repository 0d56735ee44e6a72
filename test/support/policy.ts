import { createOAuthPolicy, type OAuthPolicy } from '../../src/domain/oauth-policy.js';

/** The authorization-server policy tests use: Keyway's default lifetimes on `origin`. */
export function testPolicy(origin = 'https://mcp.example.com'): OAuthPolicy {
  return createOAuthPolicy(origin, {
    scopes: ['mcp'],
    codeTtlSeconds: 300,
    accessTokenTtlSeconds: 3600,
    refreshTokenIdleSeconds: 86400,
    grantMaxSeconds: 864000,
    refreshGraceSeconds: 60,
  });
}
