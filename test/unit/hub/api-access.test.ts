import { describe, expect, it } from 'vitest';
import { isLoopback, mayServe } from '../../../hub/api/server.js';

describe('mayServe', () => {
  it('with api.token: open routes for anyone, the others only with the token or a session', () => {
    expect(mayServe({ tokenRequired: true, authenticated: false, openRoute: true })).toBe(true);
    expect(mayServe({ tokenRequired: true, authenticated: false, openRoute: false })).toBe(false);
    expect(mayServe({ tokenRequired: true, authenticated: true, openRoute: false })).toBe(true);
  });

  it('without api.token: nothing for clients on other machines, not even the open routes', () => {
    // without a token the server authenticates a request by its loopback address
    const fromAfar = { tokenRequired: false, authenticated: isLoopback('192.0.2.7') };
    expect(mayServe({ ...fromAfar, openRoute: true })).toBe(false);
    expect(mayServe({ ...fromAfar, openRoute: false })).toBe(false);
    const local = { tokenRequired: false, authenticated: isLoopback('::ffff:127.0.0.1') };
    expect(mayServe({ ...local, openRoute: true })).toBe(true);
    expect(mayServe({ ...local, openRoute: false })).toBe(true);
  });
});
