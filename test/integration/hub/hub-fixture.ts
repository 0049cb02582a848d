import { afterAll, beforeAll } from 'vitest';
import type { RunningHub } from '../../../hub/hub.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A hub a suite shares; read its fields inside tests (they are set once `beforeAll` ran). */
export interface HubFixture {
  readonly hub: RunningHub;
  readonly url: string;
  readonly mqttUrl: string;
  /** The suite's temporary folder (the hub's data dir is `start`'s choice inside it). */
  readonly dir: string;
}

/**
 * Starts a hub with `start(tempDir)` before the suite's tests, and after them runs `cleanup`, stops the
 * hub and removes the folder. Call it in a `describe` body.
 */
export function useHub(start: (dir: string) => Promise<{ hub: RunningHub; url: string; mqttUrl?: string }>, cleanup?: () => Promise<void> | void): HubFixture {
  const dir = tempDir();
  let started: { hub: RunningHub; url: string; mqttUrl?: string } | undefined;
  const need = () => {
    if (started === undefined) throw new Error('the hub is not started: read the fixture inside tests');
    return started;
  };
  beforeAll(async () => {
    started = await start(dir.path);
  });
  afterAll(async () => {
    try {
      await cleanup?.();
      await started?.hub.stop();
    } finally {
      dir.remove();
    }
  });
  return {
    get hub() {
      return need().hub;
    },
    get url() {
      return need().url;
    },
    get mqttUrl() {
      const { mqttUrl } = need();
      if (mqttUrl === undefined) throw new Error('this fixture\'s start function gives no mqttUrl');
      return mqttUrl;
    },
    dir: dir.path,
  };
}
