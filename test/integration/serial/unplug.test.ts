import { describe, expect, it } from 'vitest';
import { startConnected, useSerialFixture, waitFor } from './harness.js';

describe('serial source when the device is unplugged and plugged back in', () => {
  const serial = useSerialFixture();

  it('reports reconnecting while the pty is gone and reads again after the replug', async () => {
    const device = await serial.device({ kind: 'json', id: 'th-9', ratePerSec: 200, seed: 5 });
    const { source, context } = serial.source(device.path, { format: 'json' }, { reopen_delay_ms: 50, reopen_max_delay_ms: 200 });
    await startConnected(source);
    await device.start();
    await waitFor('records before the unplug', () => context.records.length >= 20);

    await device.unplug();
    await waitFor('reconnecting', () => source.health().state === 'reconnecting', 15_000, () => source.health());
    expect(source.health().detail).toMatch(/closed|cannot open/);
    // A few reopen attempts fail while the links are gone.
    await waitFor('failed reopen attempts', () => context.metrics.get('tributary_source_reopens_total', { source: 'sim', reason: 'open_failed' }) >= 2);
    expect(source.health().state).toBe('reconnecting');
    expect(source.health().detail).toMatch(/^cannot open .*No such file or directory/);
    const seenBeforeReplug = context.records.length;
    const lastSeqBefore = (context.records.at(-1)?.value as { seq: number }).seq;

    await device.replug();
    await waitFor('connected after the replug', () => source.health().state === 'connected', 15_000, () => source.health());
    await waitFor('records after the replug', () => context.records.length >= seenBeforeReplug + 20, 15_000, () => context.records.length);

    const after = context.records.slice(seenBeforeReplug).map((r) => (r.value as { seq: number }).seq);
    expect(after[0]).toBeGreaterThan(lastSeqBefore);
    // Order holds across the reconnect.
    expect(after).toEqual([...after].sort((a, b) => a - b));
    expect(context.metrics.get('tributary_source_reopens_total', { source: 'sim', reason: 'closed' })).toBe(1);
    // Lines cut by the unplug are dead letters at most; nothing else is bad.
    expect(context.deadLetters.length).toBeLessThanOrEqual(1);
  });

  it('comes up on its own when the device appears after the agent started', async () => {
    const device = await serial.device({ kind: 'json', ratePerSec: 200, seed: 6 });
    const path = device.path;
    await device.unplug();
    const { source, context } = serial.source(path, { format: 'json' });
    await source.start();
    expect(source.health().state).toBe('reconnecting');
    await device.replug();
    await waitFor('connected', () => source.health().state === 'connected', 15_000, () => source.health());
    await device.start();
    await waitFor('records', () => context.records.length >= 5);
  });
});
