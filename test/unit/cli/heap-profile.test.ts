import { describe, expect, it } from 'vitest';
import { GC_SHARE_LOOSEN, GC_SHARE_TIGHTEN, HeapGovernor } from '../../../cli/heap-profile.js';

describe('heap governor (tributary agent --heap small)', () => {
  const second = 1000;
  const half = 500;

  it('stays tight while garbage collection takes a small share of the time', () => {
    const governor = new HeapGovernor();
    for (let t = 1; t <= 60; t++) expect(governor.observe(GC_SHARE_LOOSEN * second, second, t * second)).toBe(false);
    expect(governor.tight).toBe(true);
  });

  it('loosens when collection takes more than its share for two windows in a row, not for one', () => {
    const governor = new HeapGovernor();
    expect(governor.observe(150, half, 0)).toBe(false);
    expect(governor.observe(10, half, half)).toBe(false);
    expect(governor.observe(150, half, 2 * half)).toBe(false);
    expect(governor.tight).toBe(true);
    expect(governor.observe(150, half, 3 * half)).toBe(true);
    expect(governor.tight).toBe(false);
  });

  it('tightens again only after 10 s below the lower share, restarting the count on a busy second', () => {
    const governor = new HeapGovernor();
    governor.observe(300, second, -second);
    governor.observe(300, second, 0);
    expect(governor.tight).toBe(false);
    const calm = GC_SHARE_TIGHTEN * second * 0.5;
    for (let t = 1; t <= 9; t++) expect(governor.observe(calm, second, t * second)).toBe(false);
    expect(governor.observe(GC_SHARE_TIGHTEN * second, second, 10 * second)).toBe(false);
    for (let t = 11; t <= 20; t++) expect(governor.observe(calm, second, t * second)).toBe(false);
    expect(governor.tight).toBe(false);
    expect(governor.observe(calm, second, 21 * second)).toBe(true);
    expect(governor.tight).toBe(true);
  });
});
