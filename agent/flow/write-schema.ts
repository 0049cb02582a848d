import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../core/config/repo-root.js';
import { writeGeneratedFiles } from '../../core/config/write-artifacts.js';
import { flowArtifacts } from './artifacts.js';

/** Writes flows/flow.schema.json and docs/flow-reference.md from the registered component specs. */
export function writeFlowArtifacts(root = repoRoot(dirname(fileURLToPath(import.meta.url)))): string[] {
  return writeGeneratedFiles(flowArtifacts(), root);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of writeFlowArtifacts()) console.log(`wrote ${file}`);
}
