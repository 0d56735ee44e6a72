import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Principal } from '../../../../src/domain/principal.js';
import { createGithubPack } from '../../../../src/domain/tools/github/pack.js';
import { clip, MAX_RESULT_CHARS } from '../../../../src/domain/tools/github/render.js';
import type { ToolCallResult, ToolContext, ToolDefinition } from '../../../../src/domain/tools/pack.js';
import { aRepository, anIssue, createFakeGithubApi, type FakeGithubApi } from '../../../support/fake-github-api.js';

/** The GitHub pack over a fake API: argument handling, compact results, size caps, failures as advice. */

const ALICE: Principal = { subject: 'github:1001', clientId: 'claude', grantId: 'grant-1', scopes: ['mcp'] };

function context(principal: Principal = ALICE): ToolContext {
  return {
    principal,
    signal: new AbortController().signal,
    era: 'modern',
    reportProgress: async () => undefined,
    log: async () => undefined,
    notify: async () => undefined,
    request: async () => ({}),
  };
}

function setup(): { api: FakeGithubApi; tool: (name: string) => ToolDefinition } {
  const api = createFakeGithubApi();
  const pack = createGithubPack({ github: api });
  const tool = (name: string): ToolDefinition => {
    const found = pack.tools?.find((candidate) => candidate.name === name);
    assert.ok(found, name);
    return found;
  };
  return { api, tool };
}

async function call(tool: ToolDefinition, args: Record<string, unknown> = {}): Promise<ToolCallResult> {
  const outcome = await tool.handler(args, context());
  assert.ok(!('inputRequired' in outcome));
  return outcome;
}

const textOf = (result: ToolCallResult): string => String(result.content[0]?.['text']);
const jsonOf = (result: ToolCallResult): Record<string, unknown> => JSON.parse(textOf(result)) as Record<string, unknown>;

describe('tools and their schemas', () => {
  test('the pack lists the four read-only GitHub tools', () => {
    const pack = createGithubPack({ github: createFakeGithubApi() });
    assert.deepEqual(pack.tools?.map((t) => t.name), ['list_repositories', 'get_repository', 'list_issues', 'search_issues']);
    assert.ok(pack.tools?.every((t) => t.annotations?.readOnlyHint === true));
  });

  test('bad values fail schema validation with a message naming the argument; good ones pass', () => {
    const { tool } = setup();
    const validator = new AjvJsonSchemaValidator();
    const check = (name: string, args: unknown) => validator.getValidator(tool(name).inputSchema)(args);
    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
      ['list_repositories', { per_page: 101 }, /per_page must be <= 100/],
      ['list_repositories', { page: 0 }, /page must be >= 1/],
      ['list_repositories', { visibility: 'secret' }, /visibility must be equal to one of the allowed values/],
      ['list_repositories', { affiliation: ['friends'] }, /affiliation\/0 must be equal to one of the allowed values/],
      ['list_repositories', { affiliation: [] }, /affiliation must NOT have fewer than 1 items/],
      ['list_repositories', { colour: 'red' }, /must NOT have additional properties/],
      ['get_repository', { owner: 'octo' }, /must have required property 'repo'/],
      ['get_repository', { owner: 'octo', repo: '..' }, /repo must match pattern/],
      ['get_repository', { owner: '../admin', repo: 'x' }, /owner must match pattern/],
      ['list_issues', { state: 'reopened' }, /state must be equal to one of the allowed values/],
      ['list_issues', { repo: 'octo' }, /repo must match pattern/],
      ['list_issues', { repo: 'octo/hello/issues' }, /repo must match pattern/],
      ['search_issues', {}, /must have required property 'q'/],
      ['search_issues', { q: '' }, /q must NOT have fewer than 1 characters/],
      ['search_issues', { q: 'x'.repeat(257) }, /q must NOT have more than 256 characters/],
    ];
    for (const [name, args, message] of bad) {
      const result = check(name, args);
      assert.equal(result.valid, false, `${name} ${JSON.stringify(args)}`);
      assert.match(result.errorMessage ?? '', message);
    }
    const good: Array<[string, Record<string, unknown>]> = [
      ['list_repositories', { affiliation: ['owner', 'organization_member'], visibility: 'private', per_page: 100, page: 2 }],
      ['get_repository', { owner: 'octo-org', repo: '.github' }],
      ['list_issues', { filter: 'created', state: 'all', repo: 'octo/hello.js' }],
      ['search_issues', { q: 'is:issue label:bug', sort: 'updated', order: 'asc' }],
    ];
    for (const [name, args] of good) assert.equal(check(name, args).valid, true, `${name} ${JSON.stringify(args)}`);
  });
});

describe('arguments reach the API', () => {
  test('defaults apply when arguments are left out, and the caller and signal are passed on', async () => {
    const { api, tool } = setup();
    await call(tool('list_repositories'));
    await call(tool('list_issues'));
    assert.deepEqual(api.calls[0]?.query, { affiliation: ['owner', 'collaborator', 'organization_member'], visibility: 'all', sort: 'updated', page: 1, perPage: 30 });
    assert.deepEqual(api.calls[1]?.query, { filter: 'assigned', state: 'open', page: 1, perPage: 30 });
    assert.equal(api.calls[0]?.call.principal, ALICE);
    assert.ok(api.calls[0]?.call.signal instanceof AbortSignal);
  });

  test('list_issues splits "owner/name"; search passes its query, sort and order', async () => {
    const { api, tool } = setup();
    await call(tool('list_issues'), { filter: 'created', state: 'closed', repo: 'octo/hello.js', page: 3, per_page: 5 });
    await call(tool('search_issues'), { q: 'is:pr author:@me', sort: 'updated', order: 'asc' });
    assert.deepEqual(api.calls[0]?.query, { filter: 'created', state: 'closed', repository: { owner: 'octo', name: 'hello.js' }, page: 3, perPage: 5 });
    assert.deepEqual(api.calls[1]?.query, { q: 'is:pr author:@me', sort: 'updated', order: 'asc', page: 1, perPage: 30 });
  });

  test('search pages past the first 1000 results are refused without a call, saying why', async () => {
    const { api, tool } = setup();
    assert.equal((await call(tool('search_issues'), { q: 'x', page: 34, per_page: 30 })).isError, undefined);
    const result = await call(tool('search_issues'), { q: 'x', page: 11, per_page: 100 });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /first 1000 results/);
    assert.equal(api.calls.length, 1);
  });
});

describe('results', () => {
  test('repositories come back compact, with GitHub field names, page info and structured content', async () => {
    const { api, tool } = setup();
    api.repositories = { items: [aRepository({ archived: true, topics: ['a'], permission: 'push' })], nextPage: 2 };
    const result = await call(tool('list_repositories'), { per_page: 1 });
    assert.deepEqual(jsonOf(result), {
      repositories: [
        {
          full_name: 'octo/hello',
          private: false,
          description: 'Hello',
          html_url: 'https://github.com/octo/hello',
          default_branch: 'main',
          language: 'TypeScript',
          stargazers_count: 1,
          forks_count: 2,
          open_issues_count: 3,
          archived: true,
          topics: ['a'],
          updated_at: '2026-01-01T00:00:00Z',
          permission: 'push',
        },
      ],
      page: 1,
      per_page: 1,
      next_page: 2,
    });
    assert.deepEqual(result.structuredContent, jsonOf(result));
  });

  test('search results carry total_count, and issues mark pull requests and clip long bodies', async () => {
    const { api, tool } = setup();
    api.issues = { items: [anIssue({ isPullRequest: true, body: 'b'.repeat(2000), labels: ['bug'] })], totalCount: 1234, incomplete: true };
    const json = jsonOf(await call(tool('search_issues'), { q: 'is:pr' }));
    const [issue] = json['issues'] as Array<Record<string, unknown>>;
    assert.equal(json['total_count'], 1234);
    assert.equal(json['incomplete_results'], true);
    assert.equal(issue?.['pull_request'], true);
    assert.deepEqual(issue?.['labels'], ['bug']);
    assert.equal(String(issue?.['body_excerpt']).length, 500);
  });

  test('a page too large for the clients is cut to the longest prefix that fits, and says so', async () => {
    const { api, tool } = setup();
    const items = Array.from({ length: 100 }, (_, n) => anIssue({ number: n + 1, title: 't'.repeat(400), body: 'b'.repeat(900), labels: Array(20).fill('label-'.repeat(20)) }));
    api.issues = { items, nextPage: 2 };
    const result = await call(tool('list_issues'), { per_page: 100 });
    const text = textOf(result);
    const json = jsonOf(result);
    const shown = (json['issues'] as Array<{ number: number }>).map((i) => i.number);
    assert.ok(text.length <= MAX_RESULT_CHARS, `${text.length} characters`);
    assert.ok(shown.length > 0 && shown.length < 100);
    assert.deepEqual(shown, items.slice(0, shown.length).map((i) => i.number));
    assert.equal(json['truncated'], true);
    assert.match(String(json['note']), new RegExp(`first ${shown.length} of the 100 issues`));
    assert.equal(json['next_page'], 2);
    assert.ok(text.length + JSON.stringify(result.structuredContent).length < 150_000, 'both copies fit the hosted clients');
  });

  test('clipping never splits a surrogate pair', () => {
    assert.equal(clip('ab😀cd', 4), 'ab…');
    assert.equal(clip('abc😀d', 5), 'abc…');
    assert.equal(clip('short', 10), 'short');
  });
});

describe('failures are tool errors that say what to do', () => {
  const cases: Array<[FakeGithubApi['failure'], RegExp]> = [
    [{ kind: 'reconnect' }, /reconnect this connector/],
    [{ kind: 'rate_limited', retryAfterSeconds: 42 }, /rate limit.*Retry after 42 seconds/],
    [{ kind: 'rate_limited', resetAt: 1_900_000_000 }, /resets at 2030-03-17T17:46:40\.000Z/],
    [{ kind: 'forbidden', message: 'Resource protected by SAML', hint: 'Authorize at https://github.com/orgs/x/sso' }, /refused access: Resource protected by SAML\. Authorize at https:\/\/github\.com\/orgs\/x\/sso/],
    [{ kind: 'not_found', message: 'no repository octo/nope' }, /found nothing: no repository octo\/nope.*private/],
    [{ kind: 'invalid', message: 'Validation Failed' }, /rejected the request: Validation Failed\. Fix the arguments/],
    [{ kind: 'unavailable', message: 'GitHub answered HTTP 502' }, /could not answer \(GitHub answered HTTP 502\)\. Try again/],
  ];
  for (const [failure, advice] of cases) {
    test(`${failure?.kind ?? ''} → isError with advice`, async () => {
      const { api, tool } = setup();
      api.failure = failure;
      for (const name of ['list_repositories', 'get_repository', 'list_issues', 'search_issues']) {
        const result = await call(tool(name), { owner: 'octo', repo: 'nope', q: 'x' });
        assert.equal(result.isError, true, name);
        assert.match(textOf(result), advice);
      }
    });
  }
});
