import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from './errors.js';

/**
 * Makes sure only one agent uses a data dir: the log's offsets live in the writer's memory, so a second
 * writer would corrupt them. A lock left by a process that no longer exists (killed) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8'));
      if (holder !== process.pid && isAlive(holder)) {
        throw new TributaryError('ERR_DATA_DIR_LOCKED', `data dir ${dataDir} is in use by another process (pid ${holder}); stop it, or give this one another data dir`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new TributaryError('ERR_DATA_DIR_LOCKED', `could not lock data dir ${dataDir}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
