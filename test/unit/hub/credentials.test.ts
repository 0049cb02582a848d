import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { hashPassword, verifyPassword } from '../../../hub/credentials/password-hash.js';
import { CredentialStore } from '../../../hub/credentials/store.js';
import { tempDir } from '../../helpers/temp-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function openStore(path?: string): CredentialStore {
  let dir = path;
  if (dir === undefined) {
    const temp = tempDir('tributary-credentials-');
    cleanups.push(temp.remove);
    dir = temp.path;
  }
  const store = CredentialStore.open(dir);
  cleanups.push(() => store.close());
  return store;
}

function rawRows(store: CredentialStore): { agent_id: string; hash: string; created_at: number; revoked_at: number | null }[] {
  const db = new Database(store.path, { readonly: true });
  try {
    return db.prepare('SELECT * FROM agents ORDER BY agent_id').all() as never;
  } finally {
    db.close();
  }
}

describe('CredentialStore', () => {
  test('add generates a strong password, different each time, that verifies', async () => {
    const store = openStore();
    const first = await store.add('gps-1');
    const second = await store.add('gps-2');
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second).not.toBe(first);
    expect(await store.verify('gps-1', first)).toBe(true);
    expect(await store.verify('gps-1', second)).toBe(false);
    expect(await store.check('gps-1', 'wrong-password')).toBe('wrong_password');
    expect(await store.check('nobody', first)).toBe('unknown_agent');
  });

  test('stores a salted scrypt hash, never the password; the file is readable by its owner only', async () => {
    const store = openStore();
    const password = await store.add('sensor-a', 'correct horse battery staple');
    await store.add('sensor-b', 'correct horse battery staple');
    const rows = rawRows(store);
    for (const row of rows) {
      expect(row.hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect(row.hash).not.toContain(password);
      expect(row.hash).not.toContain(Buffer.from(password).toString('base64url'));
    }
    // same password, different salts: different hashes
    expect(rows[0]!.hash).not.toBe(rows[1]!.hash);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });

  test('revoke: the right password then says revoked, a wrong one still says wrong', async () => {
    const store = openStore();
    const password = await store.add('van-7');
    expect(await store.verify('van-7', password)).toBe(true);
    expect(store.revoke('van-7')).toBe(true);
    expect(await store.check('van-7', password)).toBe('revoked');
    expect(await store.check('van-7', 'not-the-password')).toBe('wrong_password');
    expect(await store.verify('van-7', password)).toBe(false);
    expect(store.status('van-7')).toBe('revoked');
    expect(store.revoke('van-7')).toBe(false);
    expect(() => store.revoke('ghost')).toThrow(expect.objectContaining({ code: 'ERR_HUB_AGENT_UNKNOWN' }));
  });

  test('add refuses an existing agent unless replace; a revoked agent can be added again', async () => {
    const store = openStore();
    const old = await store.add('van-8');
    await expect(store.add('van-8')).rejects.toMatchObject({ code: 'ERR_HUB_AGENT_EXISTS' });
    // a successful check is cached: the replacement must still win at once
    expect(await store.verify('van-8', old)).toBe(true);
    const replaced = await store.add('van-8', undefined, { replace: true });
    expect(await store.verify('van-8', old)).toBe(false);
    expect(await store.verify('van-8', replaced)).toBe(true);
    store.revoke('van-8');
    const again = await store.add('van-8', 'a brand new password');
    expect(again).toBe('a brand new password');
    expect(await store.check('van-8', again)).toBe('ok');
    expect(store.status('van-8')).toBe('active');
  });

  test('invalid ids and passwords are refused with their codes', async () => {
    const store = openStore();
    for (const id of ['', 'has space', 'a/b', '+', '#', '-leading', 'x'.repeat(129)]) {
      await expect(store.add(id), id).rejects.toMatchObject({ code: 'ERR_HUB_AGENT_ID' });
    }
    await expect(store.add('ok-id', 'short')).rejects.toMatchObject({ code: 'ERR_HUB_PASSWORD' });
    expect(store.list()).toEqual([]);
  });

  test('list gives every agent by id, with its times', async () => {
    const store = openStore();
    const before = Date.now();
    await store.add('b-agent');
    await store.add('a-agent');
    store.revoke('b-agent');
    const agents = store.list();
    expect(agents.map((agent) => [agent.agentId, agent.revokedAt === undefined])).toEqual([['a-agent', true], ['b-agent', false]]);
    for (const agent of agents) expect(agent.createdAt).toBeGreaterThanOrEqual(before);
    expect(agents[1]!.revokedAt).toBeGreaterThanOrEqual(agents[1]!.createdAt);
    expect(Object.keys(agents[0]!)).toEqual(['agentId', 'createdAt']);
  });

  test('two stores on one file (the CLI and the hub): additions and revocations show at once, past the cache', async () => {
    const hubSide = openStore();
    const cliSide = openStore(hubSide.path.replace(/\/credentials\.db$/, ''));
    const password = await cliSide.add('shared');
    expect(await hubSide.verify('shared', password)).toBe(true);
    expect(await hubSide.verify('shared', password)).toBe(true);
    cliSide.revoke('shared');
    expect(await hubSide.check('shared', password)).toBe('revoked');
    const fresh = await cliSide.add('shared');
    expect(await hubSide.verify('shared', fresh)).toBe(true);
    expect(await hubSide.verify('shared', password)).toBe(false);
  });

  test('concurrent writers and a reader on one file do not fail (busy timeout, WAL)', async () => {
    const hubSide = openStore();
    const dir = hubSide.path.replace(/\/credentials\.db$/, '');
    const writers = [openStore(dir), openStore(dir), openStore(dir)];
    const added = await Promise.all(writers.flatMap((store, w) => Array.from({ length: 5 }, (_, i) => store.add(`agent-${w}-${i}`).then((password) => ({ id: `agent-${w}-${i}`, password })))));
    const checks = await Promise.all(added.map(({ id, password }) => hubSide.verify(id, password)));
    expect(checks.every(Boolean)).toBe(true);
    expect(hubSide.list()).toHaveLength(15);
  });
});

describe('password hashes', () => {
  test('verify accepts the password and nothing else, with the parameters stored in the hash', async () => {
    const hash = await hashPassword('pa55word-long-enough', { N: 1024, r: 8, p: 1 });
    expect(hash.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('pa55word-long-enough', hash)).toBe(true);
    expect(await verifyPassword('pa55word-long-enougH', hash)).toBe(false);
  });

  test('a hash in another format is ERR_HUB_CREDENTIALS_FORMAT, not a silent refusal', async () => {
    await expect(verifyPassword('x', 'plain:text')).rejects.toMatchObject({ code: 'ERR_HUB_CREDENTIALS_FORMAT' });
    await expect(verifyPassword('x', 'scrypt$0$8$1$salt$key')).rejects.toMatchObject({ code: 'ERR_HUB_CREDENTIALS_FORMAT' });
  });
});
