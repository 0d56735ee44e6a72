import type { TestContext } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import type { Principal } from '../../src/domain/principal.js';
import type { UpstreamTokens } from '../../src/domain/ports/upstream.js';
import { startFakeGithubRest, type FakeGithubRest, type RestData } from './fake-github-rest.js';

/**
 * Test data for the GitHub tools: two users with repositories of every affiliation and
 * visibility, issues assigned to and created by them, and an SSO-protected organization.
 */
export const ALICE: Principal = { subject: 'github:1001', clientId: 'claude', grantId: 'grant-alice', scopes: ['mcp'] };
export const BOB: Principal = { subject: 'github:1002', clientId: 'claude', grantId: 'grant-bob', scopes: ['mcp'] };

export const REST_DATA: RestData = {
  users: [
    { id: 1001, login: 'alice', name: 'Alice Liddell' },
    { id: 1002, login: 'bob', name: 'Bob' },
  ],
  repos: [
    { owner: 'alice', name: 'wonderland', description: 'Down the rabbit hole', language: 'TypeScript', topics: ['mcp'] },
    { owner: 'alice', name: 'diary', private: true },
    { owner: 'bob', name: 'tools', collaborators: ['alice'] },
    { owner: 'bob', name: 'secret', private: true },
    { owner: 'acme', name: 'platform', private: true, members: ['alice', 'bob'] },
    { owner: 'sso-org', name: 'vault', members: ['alice'], sso: true },
  ],
  issues: [
    { repo: 'alice/wonderland', number: 1, title: 'Follow the white rabbit', state: 'open', author: 'bob', assignees: ['alice'], labels: ['bug'], body: 'Late!' },
    { repo: 'alice/wonderland', number: 2, title: 'Tea party', state: 'closed', author: 'alice', assignees: ['alice'] },
    { repo: 'bob/tools', number: 3, title: 'Hammer the nails', state: 'open', author: 'alice', assignees: ['bob'] },
    { repo: 'acme/platform', number: 4, title: 'Ship the rabbit feature', state: 'open', author: 'bob', assignees: ['alice'], pullRequest: true },
    { repo: 'bob/secret', number: 5, title: 'Hidden rabbit', state: 'open', author: 'bob', assignees: ['bob'] },
  ],
};

export const TOKENS: Readonly<Record<string, string>> = { ghu_alice: 'alice', ghu_bob: 'bob' };

/** Upstream tokens per grant, recording what the adapter reports revoked. */
export interface FakeUpstream extends UpstreamTokens {
  readonly reported: Array<{ grantId: string; token: string | undefined }>;
  /** From now on `accessTokenFor` rejects with this code. */
  failWith(code: 'invalid_grant' | 'storage_unavailable' | undefined): void;
}

export function createFakeUpstream(tokens: Readonly<Record<string, string>> = { 'grant-alice': 'ghu_alice', 'grant-bob': 'ghu_bob' }): FakeUpstream {
  const reported: FakeUpstream['reported'] = [];
  let failure: 'invalid_grant' | 'storage_unavailable' | undefined;
  return {
    reported,
    failWith: (code) => void (failure = code),
    accessTokenFor: async (grantId) => {
      if (failure !== undefined) throw new DomainError(failure, 'test');
      const token = tokens[grantId];
      if (token === undefined) throw new DomainError('invalid_grant', 'no such grant');
      return token;
    },
    reportRevoked: async (grantId, token) => void reported.push({ grantId, token }),
    claimsFor: async () => undefined,
  };
}

export function startRestWorld(t: TestContext, data: RestData = REST_DATA): Promise<FakeGithubRest> {
  return startFakeGithubRest(t, data, TOKENS);
}
