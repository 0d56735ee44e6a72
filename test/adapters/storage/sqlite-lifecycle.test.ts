import assert from 'node:assert/strict';
import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../../src/adapters/storage/sqlite/migrate.js';
import { MIGRATIONS } from '../../../src/adapters/storage/sqlite/migrations.js';
import { openSqliteStores, type SqliteStoreOptions } from '../../../src/adapters/storage/sqlite/sqlite-stores.js';
import type { Stores } from '../../../src/adapters/storage/stores.js';
import { isDomainError } from '../../../src/domain/errors.js';
import { aClient, aCode, aConsent, aGrant, anAccessToken, aRefreshToken, NOW } from '../../contracts/fixtures.js';
import { createCapturingLogger, tempFolder } from './sqlite-harness.js';

const NEWEST = Math.max(...MIGRATIONS.map((step) => step.version));

async function folder(t: TestContext) {
  const made = await tempFolder();
  t.after(() => made.remove());
  return made;
}

function open(t: TestContext, path: string, options?: SqliteStoreOptions): Stores {
  const stores = openSqliteStores(path, options);
  t.after(() => stores.close());
  return stores;
}

/** A second, raw connection to the same file, as an operator or another process would have. */
function raw(t: TestContext, path: string): Database.Database {
  const db = new Database(path);
  t.after(() => db.close());
  return db;
}

const versions = (db: Database.Database): unknown[] => db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
const unavailable = (error: unknown): boolean => isDomainError(error) && error.code === 'storage_unavailable';

describe('SQLite lifecycle', () => {
  test('L1 everything survives a restart: clients, grants, codes, rotations with their retry pair, consents, flows', async (t) => {
    const { dbPath } = await folder(t);
    const before = openSqliteStores(dbPath);
    const client = aClient();
    const grant = aGrant({ clientId: client.clientId });
    const [code, old, successor, access] = [aCode(grant), aRefreshToken(grant), aRefreshToken(grant), anAccessToken(grant)];
    const consent = aConsent({ clientId: client.clientId });
    await before.clients.save(client);
    await before.grants.createGrant(grant);
    await before.grants.saveCode(code);
    await before.grants.consumeCode(code.codeHash, NOW);
    await before.grants.saveRefreshToken(old);
    await before.grants.rotateRefreshToken(old.tokenHash, successor, access, 'sealed-pair', NOW);
    await before.consents.remember(consent);
    await before.flows.put('csrf', 'csrf-1', 'payload', NOW + 600);
    await before.close();

    const after = open(t, dbPath);
    assert.deepEqual(await after.clients.find(client.clientId), client);
    assert.deepEqual(await after.grants.findGrant(grant.grantId), grant);
    assert.equal((await after.grants.consumeCode(code.codeHash, NOW + 1)).kind, 'replayed');
    const replay = await after.grants.rotateRefreshToken(old.tokenHash, aRefreshToken(grant), anAccessToken(grant), 'other', NOW + 2);
    assert.deepEqual(replay, { kind: 'already_rotated', token: { ...old, rotatedAt: NOW, successorHash: successor.tokenHash, retrySealed: 'sealed-pair' } });
    assert.deepEqual(await after.grants.findAccessToken(access.tokenHash, NOW + 2), access);
    assert.deepEqual(await after.consents.find(consent.subject, consent.clientId, consent.redirectUri, consent.scopeKey), consent);
    assert.equal(await after.flows.take('csrf', 'csrf-1', NOW), 'payload');
  });

  test('migrations run once: reopening is a no-op that keeps the data and the ledger', async (t) => {
    const { dbPath } = await folder(t);
    const logger = createCapturingLogger();
    const first = openSqliteStores(dbPath, { logger });
    const client = aClient();
    await first.clients.save(client);
    await first.close();
    for (let i = 0; i < 3; i += 1) await openSqliteStores(dbPath, { logger }).close();

    assert.deepEqual(versions(raw(t, dbPath)), MIGRATIONS.map((step) => step.version));
    assert.equal(logger.events.filter((entry) => entry.event === 'storage.migrated').length, MIGRATIONS.length);
    assert.deepEqual(await open(t, dbPath).clients.find(client.clientId), client);
  });

  test('a failing migration step rolls back completely and leaves the version where it was', async (t) => {
    const { dbPath } = await folder(t);
    const db = raw(t, dbPath);
    migrate(db, MIGRATIONS);
    const broken = { version: NEWEST + 1, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); SELECT no_such_function();' };
    assert.throws(() => migrate(db, [...MIGRATIONS, broken]));
    assert.deepEqual(versions(db), MIGRATIONS.map((step) => step.version));
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").pluck().get(), 0);
  });

  test('a first boot applies every step in one transaction: a failing last step leaves the fresh file without any table or version', async (t) => {
    const { dbPath } = await folder(t);
    const db = raw(t, dbPath);
    const broken = { version: NEWEST + 1, name: 'broken', sql: 'SELECT no_such_function();' };
    assert.throws(() => migrate(db, [...MIGRATIONS, broken]));
    assert.deepEqual(versions(db), []);
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_schema WHERE name <> 'schema_migrations'").pluck().all(), []);
    migrate(db, MIGRATIONS);
    assert.deepEqual(versions(db), MIGRATIONS.map((step) => step.version));
  });

  test('a database written by a newer Keyway refuses to open, with a message saying so, and is left untouched', async (t) => {
    const { dbPath } = await folder(t);
    await openSqliteStores(dbPath).close();
    const db = raw(t, dbPath);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(NEWEST + 1, 'from the future', NOW);
    assert.throws(
      () => openSqliteStores(dbPath),
      (error: unknown) => unavailable(error) && error instanceof Error && error.message.includes(`version ${NEWEST + 1}, newer than this Keyway`),
    );
    assert.deepEqual(versions(db), [...MIGRATIONS.map((step) => step.version), NEWEST + 1]);
  });

  test('M3 the data folder is created 0700; the database and its WAL are 0600; the WAL journal is on', async (t) => {
    const { dir } = await folder(t);
    const dbPath = join(dir, 'nested', 'data', 'keyway.db');
    const stores = open(t, dbPath);
    await stores.flows.put('csrf', 'x', 'y', NOW + 60);
    assert.equal((await stat(join(dir, 'nested', 'data'))).mode & 0o777, 0o700);
    assert.equal((await stat(dbPath)).mode & 0o777, 0o600);
    assert.equal((await stat(`${dbPath}-wal`)).mode & 0o777, 0o600);
    assert.equal(raw(t, dbPath).pragma('journal_mode', { simple: true }), 'wal');
  });

  test('M3 an existing database file readable by others is tightened to 0600', async (t) => {
    const { dbPath } = await folder(t);
    await writeFile(dbPath, '');
    await chmod(dbPath, 0o644);
    open(t, dbPath);
    assert.equal((await stat(dbPath)).mode & 0o777, 0o600);
  });

  test('L4 a store locked past the busy timeout answers storage_unavailable, logs why without data, and recovers', async (t) => {
    const { dbPath } = await folder(t);
    const logger = createCapturingLogger();
    const stores = open(t, dbPath, { logger, busyTimeoutMs: 20 });
    const blocker = raw(t, dbPath);
    blocker.exec('BEGIN IMMEDIATE');
    const grant = aGrant();
    await assert.rejects(stores.grants.createGrant(grant), unavailable);
    const logged = logger.events.find((entry) => entry.event === 'storage.unavailable');
    assert.deepEqual(logged?.fields, { operation: 'grants.createGrant', code: 'SQLITE_BUSY' });
    blocker.exec('ROLLBACK');
    await stores.grants.createGrant(grant);
    assert.deepEqual(await stores.grants.findGrant(grant.grantId), grant);
  });

  test('L4 a closed store answers storage_unavailable, never a raw driver error', async (t) => {
    const { dbPath } = await folder(t);
    const stores = openSqliteStores(dbPath);
    await stores.close();
    await stores.close();
    await assert.rejects(stores.grants.findAccessToken('x', NOW), unavailable);
    await assert.rejects(stores.flows.take('csrf', 'x', NOW), unavailable);
  });

  test('a database that cannot be opened → storage_unavailable naming the file', async (t) => {
    const { dir } = await folder(t);
    const blockingFile = join(dir, 'not-a-folder');
    await writeFile(blockingFile, 'x');
    assert.throws(() => openSqliteStores(join(blockingFile, 'keyway.db')), unavailable);
    assert.throws(() => openSqliteStores(dir), (error: unknown) => unavailable(error) && String(error).includes(dir));
  });
});
