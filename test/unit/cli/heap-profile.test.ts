import { describe, expect, it } from 'vitest';
import { GC_SHARE_LOOSEN, GC_SHARE_TIGHTEN, OldGenerationGovernor } from '../../../cli/heap-profile.js';

describe('old generation governor (tributary agent --heap small)', () => {
  const second = 1000;

  it('stays tight while garbage collection takes a small share of the time', () => {
    const governor = new OldGenerationGovernor();
    for (let t = 1; t <= 60; t++) expect(governor.observe(GC_SHARE_LOOSEN * second, second, t * second)).toBe(false);
    expect(governor.tight).toBe(true);
  });

  it('loosens at once when collection takes more than its share', () => {
    const governor = new OldGenerationGovernor();
    expect(governor.observe(300, second, second)).toBe(true);
    expect(governor.tight).toBe(false);
  });

  it('tightens again only after 10 s below the lower share, restarting the count on a busy second', () => {
    const governor = new OldGenerationGovernor();
    governor.observe(300, second, 0);
    const calm = GC_SHARE_TIGHTEN * second * 0.5;
    for (let t = 1; t <= 9; t++) expect(governor.observe(calm, second, t * second)).toBe(false);
    expect(governor.observe(GC_SHARE_TIGHTEN * second, second, 10 * second)).toBe(false);
    for (let t = 11; t <= 20; t++) expect(governor.observe(calm, second, t * second)).toBe(false);
    expect(governor.tight).toBe(false);
    expect(governor.observe(calm, second, 21 * second)).toBe(true);
    expect(governor.tight).toBe(true);
  });
});
