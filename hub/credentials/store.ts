import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TributaryError, errorMessage } from '../../core/errors.js';
import { AGENT_ID_MAX_LENGTH, isAgentId } from './agent-id.js';
import { generatePassword, hashPassword, verifyPassword } from './password-hash.js';

/** The credentials file inside the hub's data dir. */
export const CREDENTIALS_FILE = 'credentials.db';

/** Hand-picked passwords shorter than this are refused. */
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;

/** How long a successful verification is remembered (re-checked against the stored hash every time). */
const CACHE_TTL_MS = 10 * 60_000;
const CACHE_MAX_ENTRIES = 10_000;

/** One agent in the credentials file (the hash is never handed out). */
export interface AgentCredential {
  agentId: string;
  /** ms since the epoch. */
  createdAt: number;
  /** ms since the epoch; absent while the agent may connect. */
  revokedAt?: number;
}

/** Why an authentication attempt passed or failed. */
export type CredentialCheck = 'ok' | 'unknown_agent' | 'revoked' | 'wrong_password';

/** An agent's standing, for checks that need no password (an open connection of a revoked agent). */
export type AgentStatus = 'active' | 'revoked' | 'unknown';

interface Row {
  agent_id: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

/**
 * Per-agent passwords as scrypt hashes in `<data_dir>/credentials.db` (SQLite, WAL, synchronous FULL).
 * The hub reads the row on every authentication, so an agent added or revoked by the CLI (another
 * process, same file) counts for the next connection at once.
 */
export class CredentialStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], Row>;
  /** agent -> the stored hash it was verified against and an HMAC of the password that matched it. */
  private readonly verified = new Map<string, { hash: string; digest: Buffer; expires: number }>();
  private readonly cacheKey = randomBytes(32);
  /** Hashed once, so an unknown agent costs as much time as a wrong password (ids are not probed by timing). */
  private decoy: Promise<string> | undefined;

  private constructor(readonly path: string) {
    try {
      // created 0600 first: SQLite gives its -wal and -shm files the database file's permissions
      closeSync(openSync(path, 'a', 0o600));
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // the CLI and the hub share the file: wait for the other's write instead of failing
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(`CREATE TABLE IF NOT EXISTS agents (
        agent_id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT`);
    } catch (error) {
      throw new TributaryError('ERR_HUB_CREDENTIALS_DB', `cannot open the credentials file ${path}: ${errorMessage(error)}; check hub.data_dir and its permissions`, { cause: error });
    }
    this.select = this.db.prepare('SELECT agent_id, hash, created_at, revoked_at FROM agents WHERE agent_id = ?');
  }

  /** Opens (creating when missing) `<dataDir>/credentials.db`; throws ERR_HUB_CREDENTIALS_DB when it cannot. */
  static open(dataDir: string): CredentialStore {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new TributaryError('ERR_HUB_CREDENTIALS_DB', `cannot create the hub data dir ${dataDir}: ${errorMessage(error)}`, { cause: error });
    }
    return new CredentialStore(join(dataDir, CREDENTIALS_FILE));
  }

  /**
   * Adds an agent and returns its password: `password` when given, else a generated one (shown once: only
   * its hash is stored). A revoked agent can be added again; an active one only with `replace` (a new password).
   */
  async add(agentId: string, password?: string, options: { replace?: boolean } = {}): Promise<string> {
    checkAgentId(agentId);
    if (password !== undefined) checkPassword(password);
    const chosen = password ?? generatePassword();
    const hash = await hashPassword(chosen);
    this.db.transaction(() => {
      const existing = this.select.get(agentId);
      if (existing !== undefined && existing.revoked_at === null && options.replace !== true) {
        throw new TributaryError('ERR_HUB_AGENT_EXISTS', `agent "${agentId}" already exists: give --replace to set a new password, or revoke it first`);
      }
      this.db.prepare('INSERT INTO agents (agent_id, hash, created_at, revoked_at) VALUES (?, ?, ?, NULL) ON CONFLICT (agent_id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at, revoked_at = NULL')
        .run(agentId, hash, Date.now());
    }).immediate();
    this.verified.delete(agentId);
    return chosen;
  }

  /** Revokes an agent: its next connection is refused. False when it was already revoked; throws ERR_HUB_AGENT_UNKNOWN for an unknown id. */
  revoke(agentId: string): boolean {
    const changed = this.db.transaction(() => {
      const existing = this.select.get(agentId);
      if (existing === undefined) throw new TributaryError('ERR_HUB_AGENT_UNKNOWN', `no agent "${agentId}" in ${this.path}: see \`tributary hub agent list\``);
      if (existing.revoked_at !== null) return false;
      this.db.prepare('UPDATE agents SET revoked_at = ? WHERE agent_id = ?').run(Date.now(), agentId);
      return true;
    }).immediate();
    this.verified.delete(agentId);
    return changed;
  }

  /** Every agent, by id. */
  list(): AgentCredential[] {
    const rows = this.db.prepare('SELECT agent_id, hash, created_at, revoked_at FROM agents ORDER BY agent_id').all() as Row[];
    return rows.map((row) => ({ agentId: row.agent_id, createdAt: row.created_at, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) }));
  }

  /** Whether an agent may connect now (read from the file, not cached). */
  status(agentId: string): AgentStatus {
    const row = this.select.get(agentId);
    return row === undefined ? 'unknown' : row.revoked_at === null ? 'active' : 'revoked';
  }

  /**
   * Checks an agent's password. `revoked` is only told to a caller with the right password, and an
   * unknown agent takes as long as a wrong password, so neither leaks to someone guessing.
   */
  async check(agentId: string, password: string): Promise<CredentialCheck> {
    const row = this.select.get(agentId);
    if (row === undefined) {
      this.decoy ??= hashPassword(generatePassword());
      await verifyPassword(password, await this.decoy);
      return 'unknown_agent';
    }
    if (!(await this.passwordMatches(row, password))) return 'wrong_password';
    return row.revoked_at === null ? 'ok' : 'revoked';
  }

  /** True when the agent exists, is not revoked and the password is its own. */
  async verify(agentId: string, password: string): Promise<boolean> {
    return (await this.check(agentId, password)) === 'ok';
  }

  close(): void {
    this.verified.clear();
    this.db.close();
  }

  private async passwordMatches(row: Row, password: string): Promise<boolean> {
    const digest = createHmac('sha256', this.cacheKey).update(row.agent_id).update('\0').update(password).digest();
    const cached = this.verified.get(row.agent_id);
    // valid only against the very hash it was checked with (a new password clears it); a mismatch
    // still pays for scrypt, so the cache never speeds up guessing
    if (cached !== undefined && cached.hash === row.hash && cached.expires > Date.now() && timingSafeEqual(cached.digest, digest)) return true;
    const matches = await verifyPassword(password, row.hash);
    if (matches) {
      if (this.verified.size >= CACHE_MAX_ENTRIES) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(row.agent_id, { hash: row.hash, digest, expires: Date.now() + CACHE_TTL_MS });
    }
    return matches;
  }
}

function checkAgentId(agentId: string): void {
  if (!isAgentId(agentId)) {
    throw new TributaryError('ERR_HUB_AGENT_ID', `invalid agent id ${JSON.stringify(agentId)}: use letters, digits, "_", "." and "-", starting with a letter or digit, at most ${AGENT_ID_MAX_LENGTH} characters (the flow's agent.id)`);
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new TributaryError('ERR_HUB_PASSWORD', `a password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters (got ${password.length}); leave it out to get a generated one`);
  }
}
