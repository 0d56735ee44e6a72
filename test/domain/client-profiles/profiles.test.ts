import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLAUDE_CLIENT_ID, clientFromDocument, PINNED_DOCUMENTS } from '../../../src/domain/clients/metadata-document.js';
import { validateClientMetadata } from '../../../src/domain/clients/registration.js';
import { CLAUDE_CIMD_CLIENT_ID, CLIENT_PROFILES, chooseRegistration, clientProfile, isClientProfileId, type ClientProfileId, type DcrRequestBody } from '../../../src/domain/client-profiles/index.js';

/** Keyway's default private-use-scheme allowlist (README, KEYWAY_REDIRECT_URI_ALLOWLIST). */
const ALLOWLIST = ['cursor://anysphere.cursor-mcp/oauth/callback'];

const IDS: ClientProfileId[] = ['claude-ai', 'claude-ai-2026', 'claude-code', 'chatgpt', 'cursor', 'vscode', 'mcp-inspector', 'mcp-remote'];

const KEYWAY_METADATA = {
  registration_endpoint: 'https://mcp.example.com/register',
  client_id_metadata_document_supported: true,
  token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
};

function metadataInput(body: DcrRequestBody) {
  return {
    redirectUris: body.redirect_uris,
    tokenEndpointAuthMethod: body.token_endpoint_auth_method,
    grantTypes: body.grant_types,
    responseTypes: body.response_types,
    clientName: body.client_name,
    clientUri: body.client_uri,
    scope: body.scope,
    softwareId: body.software_id,
    softwareVersion: body.software_version,
  };
}

describe('client profiles', () => {
  test('one profile per client of CLIENTS.md §5, each found by its id', () => {
    assert.deepEqual([...CLIENT_PROFILES.map((profile) => profile.id)].sort(), [...IDS].sort());
    for (const id of IDS) assert.equal(clientProfile(id).id, id);
    assert.equal(isClientProfileId('claude-ai'), true);
    assert.equal(isClientProfileId('netscape'), false);
  });

  test('every sequence connects in order: discovery, registration, authorization, token, then MCP', () => {
    for (const profile of CLIENT_PROFILES) {
      const order = ['probe', 'protected-resource-metadata', 'authorization-server-metadata', 'register', 'authorize', 'token', 'mcp-open'];
      assert.deepEqual(profile.sequence.slice(0, order.length), order, profile.id);
      assert.equal(new Set(profile.sequence).size, profile.sequence.length, `${profile.id} repeats a step`);
    }
  });

  test('every DCR body passes Keyway registration policy, and authorizes with a URI it registers', () => {
    for (const profile of CLIENT_PROFILES) {
      const { body } = profile.registration.dcr;
      assert.doesNotThrow(() => validateClientMetadata(metadataInput(body), ALLOWLIST), profile.id);
      for (const uri of profile.authorization.redirectUris) assert.ok(body.redirect_uris.includes(uri), `${profile.id}: ${uri}`);
    }
  });

  test('Claude on 2026-07-28 opens with server/discover whose header says 2025-11-25', () => {
    const { opening } = clientProfile('claude-ai-2026').protocol;
    assert.deepEqual([opening.method, opening.bodyVersion, opening.headerVersion], ['server/discover', '2026-07-28', '2025-11-25']);
    assert.equal(clientProfile('claude-ai').protocol.opening.method, 'initialize');
  });

  test("Claude's CIMD document is accepted by Keyway and matches the pinned copy", () => {
    const cimd = clientProfile('claude-ai').registration.cimd;
    assert.ok(cimd !== undefined);
    assert.equal(cimd.clientId, CLAUDE_CLIENT_ID);
    const client = clientFromDocument(CLAUDE_CIMD_CLIENT_ID, cimd.document, ALLOWLIST, 0);
    const pinned = PINNED_DOCUMENTS[CLAUDE_CLIENT_ID];
    assert.deepEqual(client.redirectUris, pinned?.['redirect_uris']);
    assert.equal(client.clientName, pinned?.['client_name']);
  });

  describe('chooseRegistration', () => {
    const claude = clientProfile('claude-ai');

    test('Claude takes CIMD when it is advertised with "none"', () => {
      assert.equal(chooseRegistration(claude, KEYWAY_METADATA).method, 'cimd');
    });

    test('Claude falls back to DCR without "none", or with CIMD off', () => {
      assert.equal(chooseRegistration(claude, { ...KEYWAY_METADATA, token_endpoint_auth_methods_supported: ['client_secret_post'] }).method, 'dcr');
      assert.equal(chooseRegistration(claude, { ...KEYWAY_METADATA, client_id_metadata_document_supported: false }).method, 'dcr');
    });

    test('a client without CIMD registers dynamically even when CIMD is advertised', () => {
      assert.equal(chooseRegistration(clientProfile('cursor'), KEYWAY_METADATA).method, 'dcr');
    });

    test('with neither CIMD nor a registration endpoint the connect cannot start', () => {
      const choice = chooseRegistration(clientProfile('cursor'), { token_endpoint_auth_methods_supported: ['none'] });
      assert.equal(choice.method, 'impossible');
      assert.match(choice.method === 'impossible' ? choice.reason : '', /registration_endpoint/);
    });
  });
});
