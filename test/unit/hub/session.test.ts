import { describe, expect, it } from 'vitest';
import { SESSION_IDLE_MS, SessionStore, readCookie, sessionCookie } from '../../../hub/api/session.js';

describe('SessionStore', () => {
  it('creates random 64-hex ids, keeps a used session alive and forgets one idle for 12 h', () => {
    let now = 0;
    const sessions = new SessionStore(SESSION_IDLE_MS, () => now);
    const a = sessions.create();
    const b = sessions.create();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    now = SESSION_IDLE_MS;
    expect(sessions.touch(a)).toBe(true);
    now = SESSION_IDLE_MS + 1;
    expect(sessions.touch(b)).toBe(false);
    expect(sessions.touch(b)).toBe(false);
    expect(sessions.touch(a)).toBe(true);
    sessions.delete(a);
    expect(sessions.touch(a)).toBe(false);
    expect(sessions.touch('made-up')).toBe(false);
  });

  it('forgets expired sessions when one is created, and the least recently used past the cap', () => {
    let now = 0;
    const sessions = new SessionStore(1000, () => now, 3);
    const [a, b] = [sessions.create(), sessions.create()];
    now = 900;
    expect(sessions.touch(a)).toBe(true);
    now = 1500; // b (last used at 0) has expired, a (at 900) has not
    sessions.create();
    expect(sessions.size).toBe(2);
    expect(sessions.touch(b)).toBe(false);
    const [d, e] = [sessions.create(), sessions.create()];
    expect(sessions.size).toBe(3);
    expect(sessions.touch(a)).toBe(false); // the least recently used went first
    expect(sessions.touch(d) && sessions.touch(e)).toBe(true);
  });
});

describe('cookies', () => {
  it('reads one cookie among others and writes an HttpOnly SameSite=Strict one', () => {
    expect(readCookie('a=1; tributary_session=abc ; b=2', 'tributary_session')).toBe('abc');
    expect(readCookie('tributary_sessionx=1', 'tributary_session')).toBeUndefined();
    expect(readCookie(undefined, 'tributary_session')).toBeUndefined();
    expect(sessionCookie('abc')).toBe('tributary_session=abc; HttpOnly; SameSite=Strict; Path=/');
  });
});
