import { randomBytes } from 'node:crypto';

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'tributary_session';

/** A session unused this long is forgotten (the user logs in again). */
export const SESSION_IDLE_MS = 12 * 3_600_000;

/** At most this many sessions are kept; past it the least recently used goes (bounds memory against login floods). */
export const MAX_SESSIONS = 10_000;

/**
 * Dashboard logins, in memory: a hub restart logs everyone out, which is acceptable for a page that
 * logs in again with the token. Ids are 32 random bytes, so they cannot be guessed.
 */
export class SessionStore {
  /** Session id -> last use (ms); a Map keeps insertion order, so re-inserting on use makes the first entry the least recently used. */
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly idleMs = SESSION_IDLE_MS,
    private readonly now: () => number = Date.now,
    private readonly maxSessions = MAX_SESSIONS,
  ) {}

  /** Starts a session and returns its id (64 hex characters); forgets expired sessions, and the least recently used past MAX_SESSIONS. */
  create(): string {
    const now = this.now();
    // Least recently used first: the expired ones are at the front.
    for (const [oldest, at] of this.lastUsed) {
      if (now - at <= this.idleMs) break;
      this.lastUsed.delete(oldest);
    }
    const id = randomBytes(32).toString('hex');
    this.lastUsed.set(id, now);
    while (this.lastUsed.size > this.maxSessions) this.lastUsed.delete(this.lastUsed.keys().next().value!);
    return id;
  }

  /** Whether the session is live; a live one's idle clock restarts. */
  touch(id: string): boolean {
    const at = this.lastUsed.get(id);
    if (at === undefined) return false;
    this.lastUsed.delete(id);
    const now = this.now();
    if (now - at > this.idleMs) return false;
    this.lastUsed.set(id, now);
    return true;
  }

  /** Ends a session (logout). */
  delete(id: string): void {
    this.lastUsed.delete(id);
  }

  /** Sessions held now (an expired one is dropped when next used or when a session is created). */
  get size(): number {
    return this.lastUsed.size;
  }
}

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value giving the browser a session (HttpOnly: page scripts cannot read it; SameSite=Strict: other sites cannot use it). */
export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The Set-Cookie value removing the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}
