import { describe, expect, it } from 'vitest';
import { SharedAttrs } from '../../../agent/sources/shared-attrs.js';

describe('shared attrs', () => {
  it('gives the same frozen object for a name', () => {
    const shared = new SharedAttrs();
    const attrs = shared.get('a/b', () => ({ topic: 'a/b' }));
    expect(Object.isFrozen(attrs)).toBe(true);
    expect(shared.get('a/b', () => ({ topic: 'other' }))).toBe(attrs);
  });

  it('forgets shared attrs past its bound, so unbounded topics cannot grow it', () => {
    const shared = new SharedAttrs(2);
    const first = shared.get('t1', () => ({ topic: 't1' }));
    shared.get('t2', () => ({ topic: 't2' }));
    shared.get('t3', () => ({ topic: 't3' }));
    const again = shared.get('t1', () => ({ topic: 't1' }));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
