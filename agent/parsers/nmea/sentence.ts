/** One NMEA 0183 sentence split into its address and fields, checksum checked. */
export interface Sentence {
  /** Two-letter talker id (`GP`, `GN`, `GL`...), or `P` for a proprietary sentence. */
  talker: string;
  /** Sentence type (`GGA`); for proprietary sentences the address after `P` (`GRME`). */
  type: string;
  proprietary: boolean;
  fields: string[];
}

/** XOR of every character between the start character and `*`, as NMEA 0183 defines the checksum. */
export function nmeaChecksum(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return sum & 0xff;
}

/** Formats a checksum as NMEA writes it: two upper-case hex digits. */
export function formatChecksum(sum: number): string {
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** Splits `$GPGGA,...*hh`, verifying the checksum when asked; returns the reason when it cannot. */
export function splitSentence(frame: string, verifyChecksum: boolean): Sentence | string {
  const text = frame.trim();
  const start = text[0];
  if (start !== '$' && start !== '!') return 'not an NMEA sentence: expected it to start with $ or !';
  const star = text.lastIndexOf('*');
  let body: string;
  if (star < 0) {
    if (verifyChecksum) return 'missing checksum: expected the sentence to end with *hh';
    body = text.slice(1);
  } else {
    body = text.slice(1, star);
    const given = text.slice(star + 1);
    if (!/^[0-9A-Fa-f]{2}$/.test(given)) {
      if (verifyChecksum) return `malformed checksum "*${given}": expected two hex digits`;
    } else if (verifyChecksum) {
      const expected = formatChecksum(nmeaChecksum(body));
      if (expected !== given.toUpperCase()) return `checksum mismatch: expected ${expected}, got ${given.toUpperCase()}`;
    }
  }
  const parts = body.split(',');
  const address = parts[0] ?? '';
  if (!/^[A-Z0-9]{2,}$/.test(address)) return `malformed address "${address}": expected a talker and sentence type like GPGGA`;
  const proprietary = address[0] === 'P';
  return {
    talker: proprietary ? 'P' : address.slice(0, 2),
    type: proprietary ? address.slice(1) : address.slice(2),
    proprietary,
    fields: parts.slice(1),
  };
}
