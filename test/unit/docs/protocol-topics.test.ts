import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTopic, TOPIC_ROOT, topics } from '../../../core/protocol.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url)), 'utf8');

describe('docs/protocol.md', () => {
  it('names the topic root and exactly the topics core/protocol.ts builds', () => {
    expect(doc).toContain(`\`${TOPIC_ROOT}/<agent id>/\``);
    const documented = [...doc.matchAll(/^\| `…\/<id>\/([^`]+)` \|/gm)].map((m) => m[1]!).sort();
    const built = [topics.hello('a'), topics.positions('a'), topics.batches('a', 7), topics.status('a')];
    for (const topic of built) expect(parseTopic(topic), topic).toBeDefined();
    expect(documented).toEqual(built.map((t) => t.slice(topics.agentPrefix('a').length).replace('/7', '/<partition>')).sort());
  });
});
