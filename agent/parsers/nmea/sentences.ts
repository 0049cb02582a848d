import type { JsonValue } from '../../../core/record.js';
import { civilDate, type FieldReader } from './fields.js';

type Fields = { [field: string]: JsonValue };

/** A decoded sentence: its typed fields, and its UTC time as epoch ms when it carries a full date. */
export interface Decoded {
  fields: Fields;
  ts?: number;
}

/** Decoders by sentence type; each reads the fields after the address. */
export const decoders: Record<string, (f: FieldReader) => Decoded> = {
  GGA: decodeGga,
  RMC: decodeRmc,
  GSA: decodeGsa,
  GSV: decodeGsv,
  VTG: decodeVtg,
  GLL: decodeGll,
  ZDA: decodeZda,
  TXT: decodeTxt,
};

const KNOT_IN_KMH = 1.852;

const FIX_QUALITY = ['invalid', 'gps', 'dgps', 'pps', 'rtk', 'float_rtk', 'estimated', 'manual', 'simulation'];
const FIX_TYPE = ['', 'none', '2d', '3d'];

/** GGA: position fix with quality, satellites, dilution and altitude. */
function decodeGga(f: FieldReader): Decoded {
  const fixQuality = f.integer(5, 'fix quality');
  return {
    fields: {
      time: f.time(0)?.text ?? null,
      lat: f.latitude(1),
      lon: f.longitude(3),
      fix_quality: fixQuality,
      fix_quality_name: fixQuality === null ? null : (FIX_QUALITY[fixQuality] ?? 'unknown'),
      satellites: f.integer(6, 'satellites in use'),
      hdop: f.number(7, 'HDOP'),
      altitude_m: f.number(8, 'altitude'),
      geoid_separation_m: f.number(10, 'geoid separation'),
      dgps_age_s: f.number(12, 'DGPS age'),
      dgps_station: f.text(13),
    },
  };
}

/** RMC: recommended minimum: time, date, status, position, speed and course. */
function decodeRmc(f: FieldReader): Decoded {
  const time = f.time(0);
  const date = f.date(8);
  const speedKnots = f.number(6, 'speed over ground');
  const variation = f.number(9, 'magnetic variation');
  const variationSide = f.letter(10, 'magnetic variation direction', 'EW');
  const status = f.letter(1, 'status', 'AV');
  const decoded: Decoded = {
    fields: {
      time: time?.text ?? null,
      date: date?.text ?? null,
      status,
      valid: status === 'A',
      lat: f.latitude(2),
      lon: f.longitude(4),
      speed_knots: speedKnots,
      speed_kmh: knotsToKmh(speedKnots),
      course_deg: f.number(7, 'course over ground'),
      magnetic_variation_deg: variation === null ? null : variationSide === 'W' ? -variation : variation,
      mode: f.text(11),
    },
  };
  if (time && date) decoded.ts = date.ms + time.ms;
  return decoded;
}

/** GSA: fix type, satellites used and dilution of precision. */
function decodeGsa(f: FieldReader): Decoded {
  const selection = f.letter(0, 'selection mode', 'AM');
  const fixType = f.integer(1, 'fix type');
  const ids: number[] = [];
  for (let i = 2; i < 14; i++) {
    const id = f.integer(i, `satellite ${i - 1}`);
    if (id !== null) ids.push(id);
  }
  const fields: Fields = {
    selection_mode: selection === null ? null : selection === 'A' ? 'automatic' : 'manual',
    fix_type: fixType,
    fix_type_name: fixType === null ? null : (FIX_TYPE[fixType] || 'unknown'),
    satellite_ids: ids,
    pdop: f.number(14, 'PDOP'),
    hdop: f.number(15, 'HDOP'),
    vdop: f.number(16, 'VDOP'),
  };
  // NMEA 4.10 appends the GNSS system id.
  if (f.length > 17) fields.system_id = f.integer(17, 'system id');
  return { fields };
}

/** GSV: satellites in view, up to four per sentence. */
function decodeGsv(f: FieldReader): Decoded {
  const satellites: Fields[] = [];
  let i = 3;
  // Blocks of four (id, elevation, azimuth, SNR); a single field left over is NMEA 4.10's signal id.
  while (f.length - i >= 2) {
    const prn = f.integer(i, 'satellite id');
    if (prn !== null) {
      satellites.push({
        prn,
        elevation_deg: f.number(i + 1, 'elevation'),
        azimuth_deg: f.number(i + 2, 'azimuth'),
        snr_db: f.number(i + 3, 'SNR'),
      });
    }
    i += 4;
  }
  const fields: Fields = {
    total_messages: f.integer(0, 'number of messages'),
    message_number: f.integer(1, 'message number'),
    satellites_in_view: f.integer(2, 'satellites in view'),
    satellites,
  };
  if (f.length - i === 1) fields.signal_id = f.text(i);
  return { fields };
}

/** VTG: course and speed over ground. */
function decodeVtg(f: FieldReader): Decoded {
  // Before NMEA 2.0 VTG had no unit letters: course true, course magnetic, knots, km/h.
  const legacy = f.length < 8;
  const knots = f.number(legacy ? 2 : 4, 'speed in knots');
  const kmh = f.number(legacy ? 3 : 6, 'speed in km/h');
  return {
    fields: {
      course_true_deg: f.number(0, 'course true'),
      course_magnetic_deg: f.number(legacy ? 1 : 2, 'course magnetic'),
      speed_knots: knots,
      speed_kmh: kmh ?? knotsToKmh(knots),
      mode: legacy ? null : f.text(8),
    },
  };
}

/** GLL: geographic position, time and status. */
function decodeGll(f: FieldReader): Decoded {
  const status = f.letter(5, 'status', 'AV');
  return {
    fields: {
      lat: f.latitude(0),
      lon: f.longitude(2),
      time: f.time(4)?.text ?? null,
      status,
      valid: status === null ? null : status === 'A',
      mode: f.text(6),
    },
  };
}

/** ZDA: UTC time with a full date and the local zone. */
function decodeZda(f: FieldReader): Decoded {
  const time = f.time(0);
  const day = f.integer(1, 'day');
  const month = f.integer(2, 'month');
  const year = f.integer(3, 'year');
  const date =
    day === null || month === null || year === null
      ? null
      : civilDate(year, month, day, () => f.error(1, 'date', 'a real day', `${day}/${month}/${year}`));
  const decoded: Decoded = {
    fields: {
      time: time?.text ?? null,
      date: date?.text ?? null,
      local_zone_hours: f.number(4, 'local zone hours'),
      local_zone_minutes: f.number(5, 'local zone minutes'),
    },
  };
  if (time && date) decoded.ts = date.ms + time.ms;
  return decoded;
}

/** TXT: text messages from the receiver (firmware, antenna status). */
function decodeTxt(f: FieldReader): Decoded {
  return {
    fields: {
      total_messages: f.integer(0, 'number of messages'),
      message_number: f.integer(1, 'message number'),
      text_id: f.integer(2, 'text id'),
      text: f.text(3),
    },
  };
}

function knotsToKmh(knots: number | null): number | null {
  return knots === null ? null : Math.round(knots * KNOT_IN_KMH * 1000) / 1000;
}
