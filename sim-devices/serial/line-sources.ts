import { gaussian, type Random } from '../../agent/sources/generate/random.js';
import { fixSentences, type GpsFix } from './nmea-sentences.js';

export type SerialDeviceKind = 'nmea' | 'csv' | 'json';

/** What a simulated device says, line by line (without line endings). */
export interface LineSource {
  /** Lines sent at power-up and after every replug, e.g. a CSV header. */
  greeting(): string[];
  next(): string;
  /** The line cut short so that its parser rejects it (a reset mid-line). */
  truncate(line: string, random: Random): string;
}

export interface LineSourceOptions {
  kind: SerialDeviceKind;
  /** Device id written into CSV and JSON readings. */
  id: string;
  random: Random;
  now: () => number;
  /** NMEA only: replay these captured sentences (in a loop) instead of simulating a receiver. */
  replay?: string[];
  /** NMEA only: where the simulated receiver starts. */
  start?: { lat: number; lon: number };
}

/** Builds the line source for a device kind. */
export function createLineSource(options: LineSourceOptions): LineSource {
  switch (options.kind) {
    case 'nmea':
      return options.replay ? new ReplaySource(options.replay) : new MovingReceiver(options);
    case 'csv':
      return new ClimateCsv(options);
    case 'json':
      return new ClimateJson(options);
  }
}

/** Cuts somewhere inside the line (at least one character kept, at least one lost). */
function cutAnywhere(line: string, random: Random): string {
  return line.slice(0, 1 + Math.floor(random() * Math.max(1, line.length - 1)));
}

/** Replays captured sentences unchanged, from the start again when they run out. */
class ReplaySource implements LineSource {
  private index = 0;

  constructor(private readonly lines: string[]) {
    if (lines.length === 0) throw new RangeError('nothing to replay: the capture has no sentences');
  }

  greeting(): string[] {
    return [];
  }

  next(): string {
    const line = this.lines[this.index % this.lines.length] as string;
    this.index++;
    return line;
  }

  truncate(line: string, random: Random): string {
    return cutAnywhere(line, random);
  }
}

/** A GPS receiver on a boat: GGA, RMC and VTG per fix, course and speed wandering, position following them. */
class MovingReceiver implements LineSource {
  private queue: string[] = [];
  private fix: GpsFix;
  private lastFixAt: number | undefined;

  constructor(private readonly options: LineSourceOptions) {
    // Default start: the Elbe off Hamburg.
    const start = options.start ?? { lat: 53.5417, lon: 9.9667 };
    this.fix = { time: options.now(), lat: start.lat, lon: start.lon, altitudeM: 12, speedKnots: 8, courseDeg: 285, satellites: 9, hdop: 0.9 };
  }

  greeting(): string[] {
    return [];
  }

  next(): string {
    if (this.queue.length === 0) this.queue = fixSentences(this.advance());
    return this.queue.shift() as string;
  }

  truncate(line: string, random: Random): string {
    return cutAnywhere(line, random);
  }

  private advance(): GpsFix {
    const { random, now } = this.options;
    const time = now();
    const elapsedHours = this.lastFixAt === undefined ? 0 : Math.max(0, time - this.lastFixAt) / 3_600_000;
    this.lastFixAt = time;
    const fix = this.fix;
    const distanceNm = fix.speedKnots * elapsedHours;
    const course = (fix.courseDeg * Math.PI) / 180;
    const lat = fix.lat + (distanceNm * Math.cos(course)) / 60;
    const lon = fix.lon + (distanceNm * Math.sin(course)) / (60 * Math.cos((fix.lat * Math.PI) / 180));
    this.fix = {
      time,
      lat: Math.max(-89.9, Math.min(89.9, lat)),
      lon: ((lon + 540) % 360) - 180,
      altitudeM: 12 + gaussian(random, 0, 0.8),
      speedKnots: Math.min(30, Math.max(0, fix.speedKnots + 0.1 * (8 - fix.speedKnots) + gaussian(random, 0, 0.3))),
      courseDeg: (fix.courseDeg + gaussian(random, 0, 2) + 360) % 360,
      satellites: Math.min(12, Math.max(5, fix.satellites + Math.round(gaussian(random, 0, 0.4)))),
      hdop: Math.max(0.6, Math.min(2.5, fix.hdop + gaussian(random, 0, 0.05))),
    };
    return this.fix;
  }
}

/** Temperature and humidity wandering around a set point, with sensor noise. */
class Climate {
  private temperature = 21;
  private humidity = 45;
  private seq = 0;

  constructor(private readonly options: LineSourceOptions) {}

  reading(): { ts: number; device: string; seq: number; temperature_c: number; humidity_pct: number } {
    const { random } = this.options;
    this.temperature += 0.05 * (21 - this.temperature) + gaussian(random, 0, 0.1);
    this.humidity = Math.min(100, Math.max(0, this.humidity + 0.05 * (45 - this.humidity) + gaussian(random, 0, 0.3)));
    return {
      ts: this.options.now(),
      device: this.options.id,
      seq: this.seq++,
      temperature_c: Math.round((this.temperature + gaussian(random, 0, 0.05)) * 100) / 100,
      humidity_pct: Math.round(this.humidity * 10) / 10,
    };
  }
}

/** CSV with a header line: `ts,device,seq,temperature_c,humidity_pct`. */
class ClimateCsv implements LineSource {
  private readonly climate: Climate;

  constructor(options: LineSourceOptions) {
    this.climate = new Climate(options);
  }

  greeting(): string[] {
    return ['ts,device,seq,temperature_c,humidity_pct'];
  }

  next(): string {
    const r = this.climate.reading();
    return `${r.ts},${r.device},${r.seq},${r.temperature_c.toFixed(2)},${r.humidity_pct.toFixed(1)}`;
  }

  truncate(line: string, random: Random): string {
    // Cut before the last comma, so a column is missing: a cut inside the last cell would still parse.
    const lastComma = line.lastIndexOf(',');
    return lastComma < 1 ? cutAnywhere(line, random) : line.slice(0, 1 + Math.floor(random() * lastComma));
  }
}

/** JSON lines: `{"ts","device","seq","temperature_c","humidity_pct"}`. */
class ClimateJson implements LineSource {
  private readonly climate: Climate;

  constructor(options: LineSourceOptions) {
    this.climate = new Climate(options);
  }

  greeting(): string[] {
    return [];
  }

  next(): string {
    return JSON.stringify(this.climate.reading());
  }

  truncate(line: string, random: Random): string {
    return cutAnywhere(line, random);
  }
}
