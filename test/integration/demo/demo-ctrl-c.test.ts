import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openReadOnlyLog } from '../../../core/log/read-only.js';
import { tempDir } from '../../helpers/temp-dir.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** True while any process of the process group is alive (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function hubStored(dataDir: string): number {
  const log = openReadOnlyLog(join(dataDir, 'hub', 'log.db'));
  try {
    return log.recordsAppended();
  } finally {
    log.close();
  }
}

// Ctrl-C in a terminal sends SIGINT to the whole foreground process group at once: the demo, socat, the
// hub and both agents. The demo runs in a group of its own here and gets exactly that.
describe('tributary demo stopped with Ctrl-C', () => {
  const dir = tempDir('tributary-demo-ctrl-c-');
  let pgid = 0;
  afterAll(() => {
    if (pgid !== 0 && groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    dir.remove();
  });

  it('SIGINT to the process group: exit 0, every process gone, the pty removed, each child stopped cleanly', async () => {
    const demo = spawn(process.execPath, [join(root, 'bin/tributary.js'), 'demo', '--data-dir', dir.path, '--http-port', '0'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    pgid = demo.pid!;
    let out = '';
    demo.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    demo.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => demo.once('exit', (code, signal) => done({ code, signal })));
    const deadline = Date.now() + 30_000;
    while (!/Login token: [0-9a-f]{32}/.test(out)) {
      expect(demo.exitCode, out).toBeNull();
      expect(Date.now() < deadline, `no login token within 30 s:\n${out}`).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 3000)); // let records flow

    const pty = /virtual serial port (\S+) \(socat pty\)/.exec(out)?.[1];
    expect(pty && existsSync(pty), out).toBe(true);
    expect(groupAlive(pgid)).toBe(true);
    process.kill(-pgid, 'SIGINT');
    const { code, signal } = await exited;
    expect({ code, signal }, out).toEqual({ code: 0, signal: null });
    expect(out).toMatch(/demo: stopped cleanly\n$/);
    // orphans would outlive the demo in its group: give the kernel a moment to reap, then none may be left
    await new Promise((r) => setTimeout(r, 200));
    expect(groupAlive(pgid), 'a process of the demo outlived it').toBe(false);
    expect(existsSync(dirname(pty!)), 'socat pty links removed').toBe(false);

    for (const [name, stopped] of [['hub', 'hub stopped'], ['gps-tracker', 'agent stopped'], ['greenhouse', 'agent stopped']]) {
      const lines = readFileSync(join(dir.path, `${name}.log`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(lines.at(-1)?.msg, name).toBe(stopped);
      expect(lines.filter((l) => l.level >= 50).map((l) => l.msg), `${name}: errors`).toEqual([]);
    }
    expect(hubStored(dir.path)).toBeGreaterThan(0);
  }, 60_000);
});
