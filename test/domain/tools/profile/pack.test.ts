import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANONYMOUS, type Principal } from '../../../../src/domain/principal.js';
import type { ProfileSource } from '../../../../src/domain/ports/profile.js';
import type { UpstreamTokens } from '../../../../src/domain/ports/upstream.js';
import type { ToolCallResult, ToolContext } from '../../../../src/domain/tools/pack.js';
import { createProfilePack } from '../../../../src/domain/tools/profile/pack.js';
import { createClaimsProfileSource, createLocalProfileSource } from '../../../../src/domain/tools/profile/sources.js';

/** `get_user_profile` for each kind of provider, and its failures. */

function context(principal: Principal): ToolContext {
  return {
    principal,
    signal: new AbortController().signal,
    era: 'legacy',
    reportProgress: async () => undefined,
    log: async () => undefined,
    notify: async () => undefined,
    request: async () => ({}),
  };
}

async function profileOf(profiles: ProfileSource, principal: Principal): Promise<ToolCallResult> {
  const [tool] = createProfilePack({ profiles }).tools ?? [];
  assert.equal(tool?.name, 'get_user_profile');
  const outcome = await tool.handler({}, context(principal));
  assert.ok(!('inputRequired' in outcome));
  return outcome;
}

const textOf = (result: ToolCallResult): string => String(result.content[0]?.['text']);

function upstreamWithClaims(claims: Record<string, unknown> | undefined): UpstreamTokens & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    accessTokenFor: async () => 'unused',
    reportRevoked: async () => undefined,
    claimsFor: async (grantId) => {
      asked.push(grantId);
      return claims;
    },
  };
}

describe('get_user_profile', () => {
  test('local sign-in: the name from the subject', async () => {
    const result = await profileOf(createLocalProfileSource(), { subject: 'local:Ada Lovelace', grantId: 'g1', scopes: ['mcp'] });
    assert.deepEqual(result.structuredContent, { provider: 'local', subject: 'local:Ada Lovelace', name: 'Ada Lovelace' });
    assert.deepEqual(JSON.parse(textOf(result)), result.structuredContent);
  });

  test("OpenID Connect: the standard claims the adapter kept, the issuer from the subject, and no other claim", async () => {
    const upstream = upstreamWithClaims({ sub: 'u-42', name: 'Ada', email: 'ada@example.com', email_verified: true, picture: 'https://idp.example/ada.png', groups: ['admins'], nonce: 'n' });
    const principal: Principal = { subject: 'oidc:https://idp.example/realms/x#u-42', grantId: 'g2', scopes: ['mcp'] };
    const result = await profileOf(createClaimsProfileSource(upstream), principal);
    assert.deepEqual(result.structuredContent, {
      provider: 'oidc',
      subject: principal.subject,
      issuer: 'https://idp.example/realms/x',
      name: 'Ada',
      email: 'ada@example.com',
      email_verified: true,
      picture: 'https://idp.example/ada.png',
    });
    assert.deepEqual(upstream.asked, ['g2']);
  });

  test('OpenID Connect without kept claims: the subject and the display name', async () => {
    const result = await profileOf(createClaimsProfileSource(upstreamWithClaims(undefined)), { subject: 'oidc:https://idp.example#a#b', name: 'Ada', grantId: 'g', scopes: [] });
    assert.deepEqual(result.structuredContent, { provider: 'oidc', subject: 'oidc:https://idp.example#a#b', issuer: 'https://idp.example', name: 'Ada' });
  });

  test('a provider failure is a tool error naming the provider and what to do', async () => {
    const failing: ProfileSource = { providerName: 'GitHub', profileFor: async () => ({ ok: false, failure: { kind: 'reconnect' } }) };
    const result = await profileOf(failing, { subject: 'github:1', grantId: 'g', scopes: [] });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /GitHub sign-in has expired or was revoked.*reconnect/);
  });

  test('nobody signed in: a tool error, and the source is not asked', async () => {
    let asked = false;
    const source: ProfileSource = {
      providerName: 'GitHub',
      profileFor: async () => {
        asked = true;
        return { ok: true, value: {} };
      },
    };
    const result = await profileOf(source, ANONYMOUS);
    assert.equal(result.isError, true);
    assert.equal(asked, false);
  });
});
