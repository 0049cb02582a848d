import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createParser, formatChecksum, nmeaChecksum } from '../../../agent/parsers/index.js';
import type { ParseResult } from '../../../agent/parsers/index.js';
import { readCaptureLines } from '../../../sim-devices/serial/replay.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/nmea');
const EXPECTED_COUNTS: Record<string, number> = {
  'bt451.log': 144,
  'bu353s4.log': 90,
  'ch-4711.log': 75,
  'garmin17n.log': 22,
  'hab-gpspi.log': 39,
  'haicom-305N.log': 325,
};

const parser = createParser({ format: 'nmea' });

function parsed(sentence: string): Record<string, unknown> {
  const result = parser.parse(sentence);
  if (!result.ok) throw new Error(`expected ${sentence} to parse, got: ${result.reason}`);
  return result.value as Record<string, unknown>;
}

function okResult(sentence: string): Extract<ParseResult, { ok: true }> {
  const result = parser.parse(sentence);
  if (!result.ok) throw new Error(`expected ${sentence} to parse, got: ${result.reason}`);
  return result;
}

describe('nmea parser on real receiver captures', () => {
  it('finds every fixture file the README lists', () => {
    expect(readdirSync(FIXTURES).filter((f) => f.endsWith('.log')).sort()).toEqual(Object.keys(EXPECTED_COUNTS).sort());
  });

  for (const [file, count] of Object.entries(EXPECTED_COUNTS)) {
    it(`parses all ${count} sentences of ${file} with checksum verification`, () => {
      const lines = readCaptureLines(join(FIXTURES, file));
      expect(lines).toHaveLength(count);
      const failures = lines.map((line) => ({ line, result: parser.parse(line) })).filter(({ result }) => !result.ok);
      expect(failures).toEqual([]);
    });
  }

  it('decodes the known sentence types into typed fields (no raw `fields` left)', () => {
    const known = new Set(['GGA', 'RMC', 'GSA', 'GSV', 'VTG', 'GLL', 'ZDA', 'TXT']);
    let decoded = 0;
    for (const file of Object.keys(EXPECTED_COUNTS)) {
      for (const line of readCaptureLines(join(FIXTURES, file))) {
        const value = parsed(line);
        if (known.has(value.type as string)) {
          expect(value).not.toHaveProperty('fields');
          decoded++;
        } else {
          expect(Array.isArray(value.fields)).toBe(true);
        }
      }
    }
    expect(decoded).toBeGreaterThan(650);
  });

  it('keeps sentences with CRLF or trailing whitespace', () => {
    expect(parsed('$GPGSA,A,3,17,28,06,01,30,20,26,13,,,,,1.8,1.1,1.5*33\r\n').type).toBe('GSA');
  });
});

describe('nmea sentences checked by hand', () => {
  it('GGA (BU-353-S4, Hamilton NZ)', () => {
    const result = okResult('$GPGGA,030719.000,3747.0873,S,17518.8938,E,1,08,1.1,59.9,M,23.7,M,,0000*7D');
    expect(result.ts).toBeUndefined();
    expect(result.value).toEqual({
      talker: 'GP',
      type: 'GGA',
      time: '03:07:19.000',
      lat: -37.78478833,
      lon: 175.31489667,
      fix_quality: 1,
      fix_quality_name: 'gps',
      satellites: 8,
      hdop: 1.1,
      altitude_m: 59.9,
      geoid_separation_m: 23.7,
      dgps_age_s: null,
      dgps_station: '0000',
    });
  });

  it('RMC with a date gives the event time', () => {
    const result = okResult('$GPRMC,030719.000,A,3747.0873,S,17518.8938,E,0.69,181.39,311214,,,A*7D');
    expect(result.ts).toBe(Date.parse('2014-12-31T03:07:19.000Z'));
    expect(result.value).toEqual({
      talker: 'GP',
      type: 'RMC',
      time: '03:07:19.000',
      date: '2014-12-31',
      status: 'A',
      valid: true,
      lat: -37.78478833,
      lon: 175.31489667,
      speed_knots: 0.69,
      speed_kmh: 1.278,
      course_deg: 181.39,
      magnetic_variation_deg: null,
      mode: 'A',
    });
  });

  it('RMC with magnetic variation and a two-digit-year date (Garmin 17N, Warsaw)', () => {
    const result = okResult('$GPRMC,093802,A,5213.1439,N,02100.6511,E,000.0,226.0,160305,004.2,E,D*15');
    expect(result.ts).toBe(Date.parse('2005-03-16T09:38:02Z'));
    expect(result.value).toMatchObject({ lat: 52.219065, lon: 21.01085167, speed_knots: 0, magnetic_variation_deg: 4.2, mode: 'D' });
  });

  it('RMC without a fix still reports its clock (Haicom, status V)', () => {
    const result = okResult('$GPRMC,095255.810,V,2712.6404,S,15303.1201,E,0.00,0.00,080407,,,A*6E');
    expect(result.value).toMatchObject({ status: 'V', valid: false, date: '2007-04-08', lat: -27.21067333 });
    expect(result.ts).toBe(Date.parse('2007-04-08T09:52:55.810Z'));
  });

  it('GSA lists the satellites used and the dilution of precision', () => {
    expect(parsed('$GPGSA,A,3,17,28,06,01,30,20,26,13,,,,,1.8,1.1,1.5*33')).toEqual({
      talker: 'GP',
      type: 'GSA',
      selection_mode: 'automatic',
      fix_type: 3,
      fix_type_name: '3d',
      satellite_ids: [17, 28, 6, 1, 30, 20, 26, 13],
      pdop: 1.8,
      hdop: 1.1,
      vdop: 1.5,
    });
  });

  it('GSV lists satellites in view with elevation, azimuth and SNR', () => {
    expect(parsed('$GPGSV,3,1,12,17,72,207,32,28,59,095,31,06,35,347,25,01,29,132,23*7B')).toEqual({
      talker: 'GP',
      type: 'GSV',
      total_messages: 3,
      message_number: 1,
      satellites_in_view: 12,
      satellites: [
        { prn: 17, elevation_deg: 72, azimuth_deg: 207, snr_db: 32 },
        { prn: 28, elevation_deg: 59, azimuth_deg: 95, snr_db: 31 },
        { prn: 6, elevation_deg: 35, azimuth_deg: 347, snr_db: 25 },
        { prn: 1, elevation_deg: 29, azimuth_deg: 132, snr_db: 23 },
      ],
    });
  });

  it('GSV keeps satellites without SNR as null', () => {
    const value = parsed('$GPGSV,3,3,12,24,58,220,,26,17,053,,29,20,063,,30,60,311,44*7F');
    expect(value.satellites).toEqual([
      { prn: 24, elevation_deg: 58, azimuth_deg: 220, snr_db: null },
      { prn: 26, elevation_deg: 17, azimuth_deg: 53, snr_db: null },
      { prn: 29, elevation_deg: 20, azimuth_deg: 63, snr_db: null },
      { prn: 30, elevation_deg: 60, azimuth_deg: 311, snr_db: 44 },
    ]);
  });

  it('VTG gives speed in knots and km/h (HAB GPS hat, GNSS talker)', () => {
    expect(parsed('$GNVTG,,T,,M,0.250,N,0.463,K,A*3B')).toEqual({
      talker: 'GN',
      type: 'VTG',
      course_true_deg: null,
      course_magnetic_deg: null,
      speed_knots: 0.25,
      speed_kmh: 0.463,
      mode: 'A',
    });
  });

  it('GLL gives position, time and status', () => {
    expect(parsed('$GPGLL,5213.1439,N,02100.6511,E,093802,A,D*48')).toEqual({
      talker: 'GP',
      type: 'GLL',
      lat: 52.219065,
      lon: 21.01085167,
      time: '09:38:02',
      status: 'A',
      valid: true,
      mode: 'D',
    });
  });

  it('GLONASS talker GGA with zero-padded HDOP (CH-4711, Moscow)', () => {
    expect(parsed('$GNGGA,135651.997,5543.0328,N,03724.7198,E,1,06,01.8,165.6,M,14.6,M,,*73')).toMatchObject({
      talker: 'GN',
      lat: 55.71721333,
      lon: 37.41199667,
      satellites: 6,
      hdop: 1.8,
      dgps_station: null,
    });
  });

  it('TXT messages carry their text', () => {
    expect(parsed('$GPTXT,01,01,02,u-blox ag - www.u-blox.com*50')).toMatchObject({ type: 'TXT', text_id: 2, text: 'u-blox ag - www.u-blox.com' });
  });

  it('proprietary sentences are ok, with manufacturer and raw fields', () => {
    expect(parsed('$PGRME,1.7,M,2.4,M,3.0,M*2D')).toEqual({
      talker: 'P',
      type: 'GRME',
      proprietary: true,
      manufacturer: 'GRM',
      fields: ['1.7', 'M', '2.4', 'M', '3.0', 'M'],
    });
  });

  it('unknown sentence types are ok with their raw fields', () => {
    const body = 'GPXYZ,1,,abc';
    expect(parsed(`$${body}*${formatChecksum(nmeaChecksum(body))}`)).toEqual({ talker: 'GP', type: 'XYZ', fields: ['1', '', 'abc'] });
  });
});

describe('nmea fault injection', () => {
  const sentence = '$GPGGA,030719.000,3747.0873,S,17518.8938,E,1,08,1.1,59.9,M,23.7,M,,0000*7D';

  it('a flipped character is a checksum mismatch naming both checksums', () => {
    const flipped = sentence.replace('59.9', '59.8');
    // '9' ^ '8' = 1, so the computed checksum differs from the sent 7D by one bit.
    expect(parser.parse(flipped)).toEqual({ ok: false, reason: 'checksum mismatch: expected 7C, got 7D' });
  });

  it('every single-character corruption of the body is caught', () => {
    const star = sentence.indexOf('*');
    for (let i = 1; i < star; i++) {
      const original = sentence.charCodeAt(i);
      const corrupted = sentence.slice(0, i) + String.fromCharCode(original ^ 0x04) + sentence.slice(i + 1);
      const result = parser.parse(corrupted);
      expect(result.ok, `corruption at ${i}`).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/^checksum mismatch: expected [0-9A-F]{2}, got 7D$/);
    }
  });

  it('a truncated sentence has no checksum and is bad', () => {
    expect(parser.parse(sentence.slice(0, 30))).toEqual({ ok: false, reason: 'missing checksum: expected the sentence to end with *hh' });
    expect(parser.parse(sentence.slice(0, -1)).ok).toBe(false);
  });

  it('lower-case checksums are accepted', () => {
    expect(parser.parse('$GPRMC,095255.810,V,2712.6404,S,15303.1201,E,0.00,0.00,080407,,,A*6e').ok).toBe(true);
  });

  it('garbage is not a sentence', () => {
    expect(parser.parse('\u00ff\u00fe garbage')).toEqual({ ok: false, reason: 'not an NMEA sentence: expected it to start with $ or !' });
    expect(parser.parse('').ok).toBe(false);
  });

  it('a sentence with a valid checksum but a malformed field is bad, naming the field', () => {
    const body = 'GPGGA,030719.000,3747.0873,S,17518.8938,E,1,0x,1.1,59.9,M,23.7,M,,0000';
    const result = parser.parse(`$${body}*${formatChecksum(nmeaChecksum(body))}`);
    expect(result).toEqual({ ok: false, reason: 'GGA field 7 (satellites in use): expected an integer, got "0x"' });
  });

  it('an impossible latitude is bad', () => {
    const body = 'GPGLL,9147.0873,N,02100.6511,E,093802,A,D';
    const result = parser.parse(`$${body}*${formatChecksum(nmeaChecksum(body))}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('field 1 (latitude)');
  });

  it('with verify_checksum off, mismatching and missing checksums pass', () => {
    const lenient = createParser({ format: 'nmea', verify_checksum: false });
    expect(lenient.parse(sentence.replace('59.9', '59.8'))).toMatchObject({ ok: true, value: { altitude_m: 59.8 } });
    expect(lenient.parse(sentence.slice(0, sentence.indexOf('*')))).toMatchObject({ ok: true, value: { type: 'GGA' } });
  });
});

describe('nmea record fields', () => {
  it('key_field takes the record key from a decoded field', () => {
    const keyed = createParser({ format: 'nmea', key_field: 'talker' });
    expect(keyed.parse('$GNVTG,,T,,M,0.250,N,0.463,K,A*3B')).toMatchObject({ ok: true, key: 'GN' });
  });
});
