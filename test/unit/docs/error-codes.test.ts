import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('error codes', () => {
  it('every ERR_ code used in the code is documented in docs/errors.md, and every documented one is used', () => {
    const used = new Set<string>();
    for (const folder of ['agent', 'core', 'cli', 'hub', 'sim-devices']) {
      let files: string[] = [];
      try {
        files = sourceFiles(join(root, folder));
      } catch {
        continue;
      }
      for (const file of files) for (const m of readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z0-9_]+)'/g)) used.add(m[1]!);
    }
    const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
    expect([...used].filter((c) => !documented.has(c)).sort()).toEqual([]);
    expect([...documented].filter((c) => !used.has(c)).sort()).toEqual([]);
  });
});
