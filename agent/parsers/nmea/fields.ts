/** A field that does not hold what its sentence type says it should. */
export class FieldError extends Error {}

/** Reads typed NMEA fields by position, naming the field in errors. Empty or absent fields are null. */
export class FieldReader {
  constructor(private readonly fields: readonly string[]) {}

  get length(): number {
    return this.fields.length;
  }

  text(index: number): string | null {
    const value = this.fields[index];
    return value === undefined || value === '' ? null : value;
  }

  number(index: number, name: string): number | null {
    const text = this.text(index);
    if (text === null) return null;
    // NMEA pads with zeros (`01.8`, `08`) and some receivers write `.5`; both are fine here.
    if (!/^[-+]?(?:\d+\.?\d*|\.\d+)$/.test(text)) throw this.error(index, name, 'a number', text);
    return Number(text);
  }

  integer(index: number, name: string): number | null {
    const text = this.text(index);
    if (text === null) return null;
    if (!/^\d+$/.test(text)) throw this.error(index, name, 'an integer', text);
    return Number(text);
  }

  letter(index: number, name: string, allowed: string): string | null {
    const text = this.text(index);
    if (text === null) return null;
    if (text.length !== 1 || !allowed.includes(text)) throw this.error(index, name, `one of ${[...allowed].join('/')}`, text);
    return text;
  }

  /** `ddmm.mmmm` + `N`/`S` as signed decimal degrees. */
  latitude(index: number): number | null {
    return this.angle(index, 'latitude', 2, 90, 'NS');
  }

  /** `dddmm.mmmm` + `E`/`W` as signed decimal degrees. */
  longitude(index: number): number | null {
    return this.angle(index, 'longitude', 3, 180, 'EW');
  }

  /** `hhmmss.sss` as `hh:mm:ss.sss` plus milliseconds since midnight. */
  time(index: number): { text: string; ms: number } | null {
    const text = this.text(index);
    if (text === null) return null;
    const m = /^(\d\d)(\d\d)(\d\d)(?:\.(\d+))?$/.exec(text);
    const [hh, mm, ss] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [NaN, NaN, NaN];
    if (!m || hh > 23 || mm > 59 || ss > 60) throw this.error(index, 'UTC time', 'hhmmss.sss', text);
    const fraction = m[4] ?? '';
    const ms = ((hh * 60 + mm) * 60 + ss) * 1000 + (fraction === '' ? 0 : Math.round(Number(`0.${fraction}`) * 1000));
    return { text: `${m[1]}:${m[2]}:${m[3]}${fraction === '' ? '' : `.${fraction}`}`, ms };
  }

  /** `ddmmyy` as `yyyy-mm-dd` plus epoch ms of that midnight (UTC). */
  date(index: number): { text: string; ms: number } | null {
    const text = this.text(index);
    if (text === null) return null;
    const m = /^(\d\d)(\d\d)(\d\d)$/.exec(text);
    if (!m) throw this.error(index, 'date', 'ddmmyy', text);
    const yy = Number(m[3]);
    // Two-digit years: GPS did not exist before 1980, so 80-99 are the 1900s.
    return civilDate(yy < 80 ? 2000 + yy : 1900 + yy, Number(m[2]), Number(m[1]), () => this.error(index, 'date', 'a real day', text));
  }

  error(index: number, name: string, expected: string, got: string): FieldError {
    return new FieldError(`field ${index + 1} (${name}): expected ${expected}, got "${got}"`);
  }

  private angle(index: number, name: string, degreeDigits: number, limit: number, hemispheres: string): number | null {
    const text = this.text(index);
    const hemisphere = this.text(index + 1);
    if (text === null) return null;
    const m = /^(\d+)(\d\d(?:\.\d+)?)$/.exec(text);
    const degrees = m ? Number(m[1]) : NaN;
    const minutes = m ? Number(m[2]) : NaN;
    if (!m || (m[1] ?? '').length > degreeDigits || minutes >= 60 || degrees + minutes / 60 > limit) {
      throw this.error(index, name, degreeDigits === 2 ? 'ddmm.mmmm' : 'dddmm.mmmm', text);
    }
    if (hemisphere === null || hemisphere.length !== 1 || !hemispheres.includes(hemisphere)) {
      throw this.error(index + 1, `${name} hemisphere`, hemispheres.split('').join('/'), hemisphere ?? '');
    }
    const value = degrees + minutes / 60;
    // 1e-8 degrees is about a millimetre: finer digits are float noise, not precision.
    const rounded = Math.round(value * 1e8) / 1e8;
    return hemisphere === hemispheres[1] ? -rounded : rounded;
  }
}

/** Builds `yyyy-mm-dd` and its epoch ms, rejecting days that do not exist. */
export function civilDate(year: number, month: number, day: number, invalid: () => Error): { text: string; ms: number } {
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (month < 1 || month > 12 || day < 1 || check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) throw invalid();
  const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { text, ms };
}
