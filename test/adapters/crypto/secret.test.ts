import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, test, type TestContext } from 'node:test';
import { createRootSecret, loadRootSecret, parseSecret, SECRET_FILE } from '../../../src/adapters/crypto/secret.js';
import type { LogFields, Logger } from '../../../src/domain/ports/logger.js';

interface LogEntry {
  readonly level: string;
  readonly event: string;
  readonly fields: LogFields;
}

function recordingLogger(entries: LogEntry[]): Logger {
  const at = (level: string) => (event: string, fields: LogFields = {}) => entries.push({ level, event, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-secret-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const ROOT = Buffer.alloc(32, 7);

describe('root secret and derived keys', () => {
  test('derived keys differ per purpose, are 32 bytes and are stable for one secret', () => {
    const secret = createRootSecret(ROOT);
    const keys = (['seal', 'cookie', 'csrf', 'request-state'] as const).map((purpose) => secret.derive(purpose));
    for (const key of keys) assert.equal(key.length, 32);
    assert.equal(new Set(keys.map((key) => key.toString('hex'))).size, 4);
    assert.deepEqual(createRootSecret(ROOT).derive('seal'), keys[0]);
    assert.notDeepEqual(createRootSecret(Buffer.alloc(32, 8)).derive('seal'), keys[0]);
    assert.equal(keys.some((key) => key.equals(ROOT)), false);
  });

  test('the key id is short, URL-safe, depends on the secret and reveals no derived key', () => {
    const secret = createRootSecret(ROOT);
    assert.match(secret.kid, /^[A-Za-z0-9_-]{8}$/);
    assert.notEqual(secret.kid, createRootSecret(Buffer.alloc(32, 8)).kid);
    assert.equal(secret.derive('seal').toString('base64url').includes(secret.kid), false);
  });

  test('M1 the secret does not show in JSON, string or inspection of the object', () => {
    const secret = createRootSecret(ROOT);
    const hex = ROOT.toString('hex');
    const b64 = ROOT.toString('base64url');
    for (const text of [JSON.stringify(secret), inspect(secret, { showHidden: true, depth: 5 }), Object.values(secret).map((value) => inspect(value)).join(' ')]) {
      assert.equal(text.includes(hex) || text.includes(b64), false);
    }
  });

  test('a mutated derived key or source buffer does not change later derivations', () => {
    const source = Buffer.from(ROOT);
    const secret = createRootSecret(source);
    const first = secret.derive('cookie');
    first.fill(0);
    source.fill(1);
    assert.notDeepEqual(secret.derive('cookie'), first);
    assert.deepEqual(secret.derive('cookie'), createRootSecret(ROOT).derive('cookie'));
  });

  test('parseSecret accepts 32+ bytes as hex or base64url (padding allowed), nothing shorter or stranger', () => {
    assert.deepEqual(parseSecret(ROOT.toString('hex')), ROOT);
    assert.deepEqual(parseSecret(ROOT.toString('base64url')), ROOT);
    assert.deepEqual(parseSecret(`${ROOT.toString('base64url')}=`), ROOT);
    assert.equal(parseSecret(randomBytes(31).toString('hex')), undefined);
    assert.equal(parseSecret(randomBytes(31).toString('base64url')), undefined);
    assert.equal(parseSecret(`${ROOT.toString('base64url').slice(0, 40)}+/+`), undefined);
    assert.equal(parseSecret(''), undefined);
  });
});

describe('loadRootSecret', () => {
  test('KEYWAY_SECRET wins over the data folder, which is left untouched; the log carries only the id', async (t) => {
    const dir = await tempDir(t);
    const logs: LogEntry[] = [];
    const configured = ROOT.toString('base64url');
    const secret = await loadRootSecret({ configured, dataDir: dir, persistent: true, logger: recordingLogger(logs) });
    assert.equal(secret.kid, createRootSecret(ROOT).kid);
    assert.deepEqual(await readdir(dir), []);
    assert.equal(JSON.stringify(logs).includes(configured), false);
    assert.deepEqual(logs.map((entry) => entry.fields.kid), [secret.kid]);
  });

  test('a malformed KEYWAY_SECRET is refused naming the variable, without echoing it', async (t) => {
    const dir = await tempDir(t);
    const weak = 'c2hvcnQtc2VjcmV0';
    await assert.rejects(
      loadRootSecret({ configured: weak, dataDir: dir, persistent: true, logger: recordingLogger([]) }),
      (error: Error) => error.message.startsWith('KEYWAY_SECRET:') && !error.message.includes(weak),
    );
  });

  test('M3 first start generates secret.key with mode 0600 in a 0700 folder; the next start reads the same key', async (t) => {
    const dir = join(await tempDir(t), 'nested', 'data');
    const logs: LogEntry[] = [];
    const first = await loadRootSecret({ dataDir: dir, persistent: true, logger: recordingLogger(logs) });
    const file = join(dir, SECRET_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(dir), [SECRET_FILE], 'no temporary file is left behind');
    const written = (await readFile(file, 'utf8')).trim();
    assert.equal(parseSecret(written)?.length, 32);
    assert.equal(JSON.stringify(logs).includes(written), false, 'the secret is never logged');
    assert.equal(logs[0]?.fields.source, 'generated');
    const second = await loadRootSecret({ dataDir: dir, persistent: true, logger: recordingLogger([]) });
    assert.equal(second.kid, first.kid);
    assert.deepEqual(second.derive('seal'), first.derive('seal'));
  });

  test('processes starting together on one data folder all end up with one key', async (t) => {
    const dir = await tempDir(t);
    const secrets = await Promise.all(Array.from({ length: 8 }, () => loadRootSecret({ dataDir: dir, persistent: true, logger: recordingLogger([]) })));
    assert.equal(new Set(secrets.map((secret) => secret.kid)).size, 1);
    assert.deepEqual(await readdir(dir), [SECRET_FILE]);
  });

  test('M3 an existing secret.key readable by group or others is refused with the fix', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, SECRET_FILE);
    await writeFile(file, `${ROOT.toString('base64url')}\n`, { mode: 0o600 });
    for (const mode of [0o640, 0o604, 0o644]) {
      await chmod(file, mode);
      await assert.rejects(loadRootSecret({ dataDir: dir, persistent: true, logger: recordingLogger([]) }), /readable by group or others.*chmod 600/);
    }
    await chmod(file, 0o400);
    const secret = await loadRootSecret({ dataDir: dir, persistent: true, logger: recordingLogger([]) });
    assert.equal(secret.kid, createRootSecret(ROOT).kid, 'a hex or base64url file written by an operator is read as is');
  });

  test('a malformed secret.key is refused, not replaced', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, SECRET_FILE);
    await writeFile(file, 'not a secret\n', { mode: 0o600 });
    await assert.rejects(loadRootSecret({ dataDir: dir, persistent: true, logger: recordingLogger([]) }), /malformed/);
    assert.equal(await readFile(file, 'utf8'), 'not a secret\n');
  });

  test('memory storage gets an ephemeral key and a warning, and writes nothing', async (t) => {
    const dir = await tempDir(t);
    const logs: LogEntry[] = [];
    const one = await loadRootSecret({ dataDir: dir, persistent: false, logger: recordingLogger(logs) });
    const two = await loadRootSecret({ dataDir: dir, persistent: false, logger: recordingLogger([]) });
    assert.notEqual(one.kid, two.kid);
    assert.deepEqual(await readdir(dir), []);
    assert.deepEqual(logs.map((entry) => [entry.level, entry.event]), [['warn', 'secret.ephemeral']]);
  });
});
