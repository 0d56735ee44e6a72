import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { displayName, profileClaimsOf, refusalOf, subjectOf } from '../../../../src/adapters/identity/oidc/oidc-claims.js';
import { decodeLoginSecret, encodeLoginSecret, parseOidcUpstreamTokens, upstreamTokensOf } from '../../../../src/adapters/identity/oidc/oidc-secrets.js';

describe('OIDC claims rules', () => {
  test('E5 the subject is scoped by issuer: the same sub at two issuers is two users', () => {
    assert.equal(subjectOf('https://a.example', '42'), 'oidc:https://a.example#42');
    assert.notEqual(subjectOf('https://a.example', '42'), subjectOf('https://b.example', '42'));
  });

  test('the display name: name, else preferred_username, else email; blank values skipped; bounded', () => {
    assert.equal(displayName({ name: 'Ada', preferred_username: 'ada', email: 'ada@x.example' }), 'Ada');
    assert.equal(displayName({ name: '  ', preferred_username: 'ada', email: 'ada@x.example' }), 'ada');
    assert.equal(displayName({ email: 'ada@x.example' }), 'ada@x.example');
    assert.equal(displayName({ sub: '42', name: 7 }), undefined);
    assert.equal(displayName({ name: 'n'.repeat(1000) })?.length, 256);
  });

  test('the e-mail rule needs email_verified to be the boolean true, not the string "true"', () => {
    const rule = { allowedEmailDomains: ['x.example'] };
    assert.equal(refusalOf({ email: 'ada@x.example', email_verified: true }, rule), undefined);
    assert.match(refusalOf({ email: 'ada@x.example', email_verified: 'true' }, rule) ?? '', /not verified/);
  });

  test('the domain is what follows the last @, compared exactly', () => {
    const rule = { allowedEmailDomains: ['x.example'] };
    assert.match(refusalOf({ email: 'ada@x.example@evil.example', email_verified: true }, rule) ?? '', /evil\.example/);
    assert.match(refusalOf({ email: 'ada@sub.x.example', email_verified: true }, rule) ?? '', /sub\.x\.example/);
  });

  test('an empty domain list allows everyone; a claim rule matches strings, numbers, booleans and arrays', () => {
    assert.equal(refusalOf({}, { allowedEmailDomains: [] }), undefined);
    const rule = (value: string) => ({ requiredClaim: { name: 'c', value } });
    assert.equal(refusalOf({ c: 'yes' }, rule('yes')), undefined);
    assert.equal(refusalOf({ c: 3 }, rule('3')), undefined);
    assert.equal(refusalOf({ c: true }, rule('true')), undefined);
    assert.equal(refusalOf({ c: ['a', 'b'] }, rule('b')), undefined);
    assert.ok(refusalOf({ c: { b: 'b' } }, rule('b')) !== undefined);
    assert.ok(refusalOf({ c: 'yes!' }, rule('yes')) !== undefined);
  });
});

describe('OIDC profile claims kept with the tokens', () => {
  test('sub and the standard profile claims only; custom claims and oversized values are dropped', () => {
    const kept = profileClaimsOf({ sub: '42', iss: 'https://a.example', name: 'Ada', groups: ['x'], email_verified: true, updated_at: 1700000000, picture: `https://p.example/${'p'.repeat(3000)}`, locale: null });
    assert.deepEqual(kept, { sub: '42', name: 'Ada', email_verified: true, updated_at: 1700000000 });
  });

  test('address is kept when it is an object of strings', () => {
    assert.deepEqual(profileClaimsOf({ address: { country: 'NZ' } }), { address: { country: 'NZ' } });
    assert.deepEqual(profileClaimsOf({ address: { country: ['NZ'] } }), {});
  });
});

describe('OIDC login secret and upstream tokens JSON', () => {
  test('the login secret round-trips; anything else is not a secret', () => {
    const secret = { state: 's', codeVerifier: 'v', nonce: 'n' };
    assert.deepEqual(decodeLoginSecret(encodeLoginSecret(secret)), secret);
    for (const bad of ['', 'null', '[]', '{"state":"s","code_verifier":"v"}', '{"state":1,"code_verifier":"v","nonce":"n"}']) assert.equal(decodeLoginSecret(bad), undefined, bad);
  });

  test('a refresh without a new refresh token or scope keeps the previous ones; expiry is by the given clock', () => {
    const first = parseOidcUpstreamTokens(upstreamTokensOf({ access_token: 'a1', token_type: 'bearer', refresh_token: 'r1', expires_in: 60, scope: 'openid email' }, 1000, { sub: '42' }));
    assert.deepEqual(first, { access_token: 'a1', refresh_token: 'r1', expires_at: 1060, scopes: ['openid', 'email'], id_token_claims_subset: { sub: '42' } });
    const second = parseOidcUpstreamTokens(upstreamTokensOf({ access_token: 'a2', token_type: 'bearer' }, 2000, { sub: '42' }, first));
    assert.deepEqual(second, { access_token: 'a2', refresh_token: 'r1', scopes: ['openid', 'email'], id_token_claims_subset: { sub: '42' } });
  });

  test('upstream tokens that are not this adapter’s are recognised as such', () => {
    for (const bad of ['', '"x"', '{"token_type":"bearer"}', '{"access_token":""}', '{"access_token":1}']) assert.equal(parseOidcUpstreamTokens(bad), undefined, bad);
  });
});
