import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../core/config/repo-root.js';
import { writeGeneratedFiles } from '../../core/config/write-artifacts.js';
import { hubConfigArtifacts } from './artifacts.js';

/** Writes flows/hub.schema.json from the hub config schema. */
export function writeHubConfigArtifacts(root = repoRoot(dirname(fileURLToPath(import.meta.url)))): string[] {
  return writeGeneratedFiles(hubConfigArtifacts(), root);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of writeHubConfigArtifacts()) console.log(`wrote ${file}`);
}
