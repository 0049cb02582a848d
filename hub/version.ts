import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../core/config/repo-root.js';

function readVersion(): string {
  try {
    const root = repoRoot(dirname(fileURLToPath(import.meta.url)));
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0-unknown';
  } catch {
    // an installed copy without its package.json still runs; the version only labels it
    return '0.0.0-unknown';
  }
}

/** This build's version, from package.json (shown by /v1/session). */
export const HUB_VERSION: string = readVersion();
