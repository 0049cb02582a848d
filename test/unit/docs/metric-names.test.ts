import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function read(dir: string, ending: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ending))
    .map((f) => readFileSync(join(root, dir, f), 'utf8'));
}

describe('metric names in the docs', () => {
  it('every tributary_* metric README and docs/ name (alerts, dashboards) is one the code exports', () => {
    const exported = new Set<string>();
    for (const text of ['agent', 'core', 'hub'].flatMap((dir) => read(dir, '.ts'))) {
      for (const m of text.matchAll(/['"`](tributary_[a-z0-9_]+)/g)) exported.add(m[1]!);
    }
    expect(exported.size).toBeGreaterThan(20);
    const named = new Set<string>();
    for (const text of [readFileSync(join(root, 'README.md'), 'utf8'), ...read('docs', '.md')]) {
      // `tributary_source_*` names a family; a histogram's series end in _bucket, _sum, _count
      for (const m of text.matchAll(/\btributary_[a-z0-9_]*[a-z0-9]\b(?!\*)/g)) named.add(m[0].replace(/_(bucket|sum|count)$/, ''));
    }
    expect(named.size).toBeGreaterThan(15);
    expect([...named].filter((name) => !exported.has(name)).sort()).toEqual([]);
  });
});
