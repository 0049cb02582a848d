import { describe, expect, it } from 'vitest';
import { assignPartitions } from '../../../hub/groups/assignor.js';

function counts(target: Map<number, string>, members: string[]): number[] {
  return members.map((m) => [...target.values()].filter((id) => id === m).length);
}

describe('assignPartitions', () => {
  it('assigns every partition, with counts differing by at most one', () => {
    for (const [partitions, n] of [[16, 3], [16, 5], [3, 5], [1, 1], [7, 7], [64, 10]] as const) {
      const members = Array.from({ length: n }, (_, i) => `m${i}`);
      const target = assignPartitions(partitions, members, new Map());
      expect(target.size).toBe(partitions);
      const c = counts(target, members);
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    }
  });

  it('is sticky: a member joining takes only what balance needs, a member leaving gives up only its own', () => {
    const two = assignPartitions(16, ['a', 'b'], new Map());
    const three = assignPartitions(16, ['a', 'b', 'c'], two);
    const moved = [...three].filter(([p, id]) => two.get(p) !== id);
    expect(moved.every(([, id]) => id === 'c')).toBe(true);
    expect(moved.length).toBe(counts(three, ['c'])[0]);
    expect(counts(three, ['a', 'b', 'c']).sort()).toEqual([5, 5, 6]);
    const back = assignPartitions(16, ['a', 'c'], three);
    // a and c keep everything they had; only b's partitions move
    for (const [p, id] of three) if (id !== 'b') expect(back.get(p)).toBe(id);
    expect(counts(back, ['a', 'c'])).toEqual([8, 8]);
  });

  it('keeps a stable assignment stable and handles random membership changes without losing balance', () => {
    let members = ['m0', 'm1', 'm2'];
    let target = assignPartitions(12, members, new Map());
    expect(assignPartitions(12, members, target)).toEqual(target);
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let step = 0; step < 200; step++) {
      if (members.length > 1 && random() < 0.5) {
        const gone = Math.floor(random() * members.length);
        members = members.filter((_, i) => i !== gone);
      } else members = [...members, `n${step}`];
      const next = assignPartitions(12, members, target);
      expect(next.size).toBe(12);
      const c = counts(next, members);
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
      for (const id of next.values()) expect(members).toContain(id);
      target = next;
    }
  });

  it('gives nothing to nobody', () => {
    expect(assignPartitions(4, [], new Map()).size).toBe(0);
  });
});
