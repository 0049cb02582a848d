import { describe, expect, it } from 'vitest';
import { keyLevelProblem, topicFilterProblem, topicLevel } from '../../../agent/sources/mqtt/topics.js';

describe('mqtt topics', () => {
  it('takes a level of a topic', () => {
    expect(topicLevel('greenhouse/gh-1/climate', 0)).toBe('greenhouse');
    expect(topicLevel('greenhouse/gh-1/climate', 1)).toBe('gh-1');
    expect(topicLevel('greenhouse/gh-1/climate', 2)).toBe('climate');
    expect(topicLevel('greenhouse/gh-1/climate', 3)).toBeUndefined();
    expect(topicLevel('greenhouse//climate', 1)).toBeUndefined();
    expect(topicLevel('/leading', 1)).toBe('leading');
  });

  it('validates filters', () => {
    for (const ok of ['a', 'a/b', '+', '#', 'a/+/c', 'a/#', '+/+/#', '/a']) expect(topicFilterProblem(ok), ok).toBeUndefined();
    for (const bad of ['', 'a/#/c', 'a#', 'a/b+', '#/a']) expect(topicFilterProblem(bad), bad).toBeDefined();
  });

  it('accepts key levels that can exist', () => {
    expect(keyLevelProblem('greenhouse/+/climate', 1)).toBeUndefined();
    expect(keyLevelProblem('greenhouse/+/climate', 3)).toMatch(/has 3 level/);
    expect(keyLevelProblem('greenhouse/#', 5)).toBeUndefined();
  });
});
