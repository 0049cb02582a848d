import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../core/config/repo-root.js';
import { hubConfigArtifacts } from './artifacts.js';

/** Writes flows/hub.schema.json from the hub config schema. */
export function writeHubConfigArtifacts(root = repoRoot(dirname(fileURLToPath(import.meta.url)))): string[] {
  const written: string[] = [];
  for (const artifact of hubConfigArtifacts()) {
    const target = join(root, artifact.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, artifact.text);
    written.push(target);
  }
  return written;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of writeHubConfigArtifacts()) console.log(`wrote ${file}`);
}
