import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openReadOnlyLog } from '../../../core/log/read-only.js';
import { startCli } from '../../helpers/agent-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

function stored(dataDir: string): number {
  const log = openReadOnlyLog(join(dataDir, 'log.db'));
  try {
    return log.recordsAppended();
  } finally {
    log.close();
  }
}

describe('tributary demo (the README main command)', () => {
  const dir = tempDir('tributary-demo-');
  afterAll(() => dir.remove());

  it('runs hub, simulated devices and two agents, pulls the GPS cable, forwards to the hub, and stops cleanly', async () => {
    // the cable is pulled at 5 s and 10 s for 2.5 s: the first time the agent reopens the port, the second
    // time the demo stops while it is out
    const demo = startCli(['demo', '--duration', '12', '--unplug-every', '5', '--data-dir', dir.path, '--http-port', '0']);
    await demo.waitForOutput(/Login token: [0-9a-f]{32}/, 30_000);
    const printed = demo.stdout.join('');
    const url = /Dashboard: +(http:\/\/127\.0\.0\.1:\d+\/)/.exec(printed)?.[1];
    const token = /Login token: ([0-9a-f]{32})/.exec(printed)?.[1];
    expect(url, printed).toBeDefined();
    // The printed login opens the hub's API; without it the hub refuses.
    expect((await fetch(`${url}v1/groups`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${url}v1/groups`)).status).toBe(401);
    // The live view charts the measurements the demo's hub config names, not sequence numbers or timestamps.
    const metrics = async () => {
      const answer = await fetch(`${url}v1/aggregates/series`, { headers: { authorization: `Bearer ${token}` } });
      return ((await answer.json()) as { series: { metric: string }[] }).series.map((s) => s.metric);
    };
    await expect.poll(metrics, { timeout: 8_000, interval: 250 }).toContain('temperature_c');
    expect(await metrics()).not.toContain('seq');
    const { code } = await demo.exited;
    const out = demo.stdout.join('');
    expect(code, out).toBe(0);
    expect(out).toMatch(/demo: hub \(pid \d+\) on mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/demo: stopped cleanly/);
    expect(out.match(/demo: fault: the GPS receiver's cable is pulled for 2\.5 s/g)).toHaveLength(2);
    expect(out.match(/demo: the GPS receiver is plugged back in/g)).toHaveLength(1);
    const gpsLog = readFileSync(join(dir.path, 'gps-tracker.log'), 'utf8');
    expect(gpsLog).toMatch(/"msg":"serial source: [^"]*; reopening"/);
    expect(gpsLog).toMatch(/"msg":"serial port reopened"/);
    const gps = stored(join(dir.path, 'van-017'));
    const greenhouse = stored(join(dir.path, 'greenhouse-a'));
    expect(gps).toBeGreaterThan(0);
    expect(greenhouse).toBeGreaterThan(0);
    // Agents stop after their last forward; what they stored is at the hub, give or take the last batch.
    expect(stored(join(dir.path, 'hub'))).toBeGreaterThanOrEqual(gps + greenhouse - 10);
  }, 60_000);
});
