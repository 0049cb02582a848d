import { describe, expect, it } from 'vitest';
import { startConnected, useSerialFixture, waitFor } from './harness.js';

describe('serial source against a faulty simulated device on a socat pty', () => {
  const serial = useSerialFixture();

  it('counts garbage and truncated JSON lines as bad frames and keeps every intact line', async () => {
    const device = await serial.device({
      kind: 'json',
      id: 'th-1',
      ratePerSec: 2000,
      lines: 400,
      seed: 7,
      faults: { garbage: 0.05, truncate: 0.05, burst: 0.02, burstLines: 15 },
      record: true,
    });
    const { source, context } = serial.source(device.path, { format: 'json', key_field: 'device', ts_field: 'ts' });
    await startConnected(source);
    await device.start();
    await device.done;
    const { stats } = device;
    // The seed makes these non-zero; asserting it keeps the test meaningful if the generator changes.
    expect(stats.garbage).toBeGreaterThan(5);
    expect(stats.truncated).toBeGreaterThan(5);
    expect(stats.bursts).toBeGreaterThan(0);
    const bad = stats.garbage + stats.truncated;
    await waitFor('every line accounted for', () => context.records.length + context.deadLetters.length >= stats.intact + bad, 15_000, () => ({
      records: context.records.length,
      dead: context.deadLetters.length,
      stats,
    }));

    expect(context.records).toHaveLength(stats.intact);
    expect(context.records.map((r) => r.value)).toEqual(device.intactLines.map((line) => JSON.parse(line) as unknown));
    expect(context.records.every((r) => r.key === 'th-1')).toBe(true);
    expect(context.records.map((r) => r.ts)).toEqual(device.intactLines.map((line) => (JSON.parse(line) as { ts: number }).ts));
    expect(context.deadLetters).toHaveLength(bad);
    expect(context.deadLetters.every((d) => d.reason.startsWith('invalid JSON'))).toBe(true);
    expect(context.metrics.get('tributary_source_bad_frames_total', { source: 'sim', reason: 'parse_error' })).toBe(bad);
  });

  it('rejects damaged NMEA from a simulated moving receiver by checksum, keeping the rest', async () => {
    const device = await serial.device({ kind: 'nmea', ratePerSec: 2000, lines: 300, seed: 11, faults: { garbage: 0.05, truncate: 0.05 }, record: true });
    const { source, context } = serial.source(device.path, { format: 'nmea' });
    await startConnected(source);
    await device.start();
    await device.done;
    const { stats } = device;
    expect(stats.truncated).toBeGreaterThan(3);
    await waitFor('every line accounted for', () => context.records.length + context.deadLetters.length >= stats.lines + stats.garbage);

    expect(context.records).toHaveLength(stats.intact);
    expect(context.deadLetters).toHaveLength(stats.garbage + stats.truncated);
    const types = context.records.map((r) => (r.value as { type: string }).type);
    expect(new Set(types)).toEqual(new Set(['GGA', 'RMC', 'VTG']));
    for (const record of context.records) {
      const value = record.value as { lat?: number; lon?: number; type: string };
      if (value.type !== 'VTG') {
        // Near the default start on the Elbe: the simulated boat moves metres, not degrees.
        expect(value.lat).toBeCloseTo(53.5417, 1);
        expect(value.lon).toBeCloseTo(9.9667, 1);
      }
    }
    const rmcTimes = context.records.filter((r) => (r.value as { type: string }).type === 'RMC').map((r) => r.ts);
    expect(rmcTimes.every((ts) => Math.abs(ts - Date.now()) < 60_000)).toBe(true);
  });

  it('reads the CSV header a device sends at power-up and files readings under their device', async () => {
    const device = await serial.device({ kind: 'csv', id: 'greenhouse-4', ratePerSec: 1000, lines: 50, seed: 3, record: true });
    const { source, context } = serial.source(device.path, { format: 'csv', header_line: true, key_field: 'device', ts_field: 'ts' });
    await startConnected(source);
    await device.start();
    await device.done;
    await waitFor('50 records', () => context.records.length === 50);
    expect(context.deadLetters).toEqual([]);
    expect(context.metrics.get('tributary_source_skipped_frames_total', { source: 'sim', reason: 'header line' })).toBe(1);
    expect(context.records.map((r) => (r.value as { seq: number }).seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(context.records[0]).toMatchObject({ key: 'greenhouse-4', value: { device: 'greenhouse-4', temperature_c: expect.any(Number), humidity_pct: expect.any(Number) } });
  });
});
