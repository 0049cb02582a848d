import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createParser } from '../../../agent/parsers/index.js';
import { readCaptureLines } from '../../../sim-devices/serial/replay.js';
import { startConnected, useSerialFixture, waitFor } from './harness.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/nmea');

describe('serial source reading a socat pty fed with a real GPS capture', () => {
  const serial = useSerialFixture();

  for (const file of ['bu353s4.log', 'ch-4711.log']) {
    it(`delivers every sentence of ${file} in order, parsed`, async () => {
      const sentences = readCaptureLines(join(FIXTURES, file));
      const device = await serial.device({ kind: 'nmea', replay: join(FIXTURES, file), ratePerSec: 500, lines: sentences.length });
      const { source, context } = serial.source(device.path, { format: 'nmea' }, { framing: { delimiter: '\r\n', max_frame_bytes: 4096 } });
      await startConnected(source);
      await device.start();
      await device.done;
      await waitFor(`${sentences.length} records`, () => context.records.length >= sentences.length, 15_000, () => context.records.length);

      expect(device.stats).toMatchObject({ lines: sentences.length, intact: sentences.length, writeErrors: 0 });
      expect(context.deadLetters).toEqual([]);
      expect(context.records).toHaveLength(sentences.length);
      const reference = createParser({ format: 'nmea' });
      context.records.forEach((record, i) => {
        const expected = reference.parse(sentences[i] as string);
        expect(expected.ok).toBe(true);
        if (expected.ok) expect(record.value, `sentence ${i + 1}: ${sentences[i]}`).toEqual(expected.value);
        expect(record.attrs).toEqual({ source: 'sim', port: device.path });
        expect(record.key).toBe('sim');
      });
    });
  }

  it('gets the hand-checked values of the BU-353-S4 capture through the pty', async () => {
    const file = join(FIXTURES, 'bu353s4.log');
    const device = await serial.device({ kind: 'nmea', replay: file, ratePerSec: 500, lines: 3 });
    const { source, context } = serial.source(device.path, { format: 'nmea' });
    await startConnected(source);
    await device.start();
    await waitFor('3 records', () => context.records.length === 3);
    const [gga, gsa, rmc] = context.records;
    expect(gga?.value).toMatchObject({ type: 'GGA', time: '03:07:19.000', lat: -37.78478833, lon: 175.31489667, satellites: 8, altitude_m: 59.9 });
    expect(gsa?.value).toMatchObject({ type: 'GSA', satellite_ids: [17, 28, 6, 1, 30, 20, 26, 13], pdop: 1.8 });
    expect(rmc?.value).toMatchObject({ type: 'RMC', date: '2014-12-31', speed_knots: 0.69, course_deg: 181.39 });
    expect(rmc?.ts).toBe(Date.parse('2014-12-31T03:07:19.000Z'));
  });
});
