/** NMEA 0183 checksum: XOR of the characters between `$` and `*`. */
export function nmeaChecksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** `$<body>*hh` */
export function sentence(body: string): string {
  return `$${body}*${nmeaChecksum(body)}`;
}

/** One position fix of a simulated receiver. */
export interface GpsFix {
  /** Epoch ms (UTC). */
  time: number;
  lat: number;
  lon: number;
  altitudeM: number;
  speedKnots: number;
  courseDeg: number;
  satellites: number;
  hdop: number;
}

/** The GGA, RMC and VTG sentences a receiver sends for one fix, checksums included. */
export function fixSentences(fix: GpsFix, talker = 'GP'): string[] {
  const date = new Date(fix.time);
  const hhmmss = `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}.${pad(Math.floor(date.getUTCMilliseconds() / 10))}`;
  const ddmmyy = `${pad(date.getUTCDate())}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCFullYear() % 100)}`;
  const [lat, ns] = angle(fix.lat, 2, 'N', 'S');
  const [lon, ew] = angle(fix.lon, 3, 'E', 'W');
  const speed = fix.speedKnots.toFixed(2);
  const course = fix.courseDeg.toFixed(2);
  return [
    sentence(`${talker}GGA,${hhmmss},${lat},${ns},${lon},${ew},1,${pad(fix.satellites)},${fix.hdop.toFixed(1)},${fix.altitudeM.toFixed(1)},M,46.9,M,,`),
    sentence(`${talker}RMC,${hhmmss},A,${lat},${ns},${lon},${ew},${speed},${course},${ddmmyy},,,A`),
    sentence(`${talker}VTG,${course},T,,M,${speed},N,${(fix.speedKnots * 1.852).toFixed(2)},K,A`),
  ];
}

/** Signed decimal degrees as NMEA `(d)ddmm.mmmm` and a hemisphere letter. */
function angle(value: number, degreeDigits: number, positive: string, negative: string): [string, string] {
  // Round in minutes first so 59.99999' carries into the next degree instead of printing 60.0000.
  const totalMinutes = Math.round(Math.abs(value) * 60 * 10_000) / 10_000;
  const degrees = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes - degrees * 60;
  return [`${String(degrees).padStart(degreeDigits, '0')}${minutes.toFixed(4).padStart(7, '0')}`, value < 0 ? negative : positive];
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
