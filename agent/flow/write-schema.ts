import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowArtifacts } from './artifacts.js';

/** The repo root: the nearest ancestor with the tributary package.json (works from agent/flow and dist/agent/flow). */
function repoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tributary') return dir;
    if (dirname(dir) === dir) throw new Error(`no tributary package.json above ${start}`);
  }
}

/** Writes flows/flow.schema.json and docs/flow-reference.md from the registered component specs. */
export function writeFlowArtifacts(root = repoRoot(dirname(fileURLToPath(import.meta.url)))): string[] {
  const written: string[] = [];
  for (const artifact of flowArtifacts()) {
    const target = join(root, artifact.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, artifact.text);
    written.push(target);
  }
  return written;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of writeFlowArtifacts()) console.log(`wrote ${file}`);
}
