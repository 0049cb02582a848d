import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repo root: the nearest ancestor of `start` with the tributary package.json (works from sources and from dist/). */
export function repoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tributary') return dir;
    if (dirname(dir) === dir) throw new Error(`no tributary package.json above ${start}`);
  }
}
