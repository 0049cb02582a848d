import { gaussian, roundTo, type Random } from '../../agent/sources/generate/random.js';

/** One reading of a simulated greenhouse climate sensor. */
export interface ClimateReading {
  device: string;
  /** Per-device message number, from 0: lets tests check that nothing was lost or reordered. */
  seq: number;
  /** Event time, epoch ms. */
  ts: number;
  temperature_c: number;
  humidity_pct: number;
  co2_ppm: number;
}

/**
 * A greenhouse climate sensor: temperature follows a daily cycle plus a slow drift (mean-reverting)
 * and measurement noise; humidity falls as temperature rises; CO₂ wanders around ventilation level.
 * Each device has its own offset so devices are distinguishable on a chart.
 */
export class ClimateModel {
  private seq = 0;
  private temperatureDrift = 0;
  private humidityDrift = 0;
  private co2: number;
  private readonly offset: number;

  constructor(
    readonly device: string,
    private readonly random: Random,
    /** Length of a simulated day, so demos show the cycle without waiting 24 h. */
    private readonly dayMs = 24 * 3600 * 1000,
  ) {
    this.offset = gaussian(random, 0, 1.2);
    this.co2 = 650 + random() * 300;
  }

  /** The next reading at event time `ts`. */
  next(ts: number): ClimateReading {
    const phase = (2 * Math.PI * (ts % this.dayMs)) / this.dayMs;
    // Warmest mid-afternoon: shift the sine so its crest falls around 15:00 of the simulated day.
    const daily = 4 * Math.sin(phase - (2 * Math.PI * 9) / 24);
    this.temperatureDrift = 0.98 * this.temperatureDrift + gaussian(this.random, 0, 0.08);
    this.humidityDrift = 0.97 * this.humidityDrift + gaussian(this.random, 0, 0.3);
    this.co2 += 0.05 * (800 - this.co2) + gaussian(this.random, 0, 12);
    const temperature = 22 + this.offset + daily + this.temperatureDrift + gaussian(this.random, 0, 0.1);
    const humidity = 65 - 2.2 * (temperature - 22) + this.humidityDrift + gaussian(this.random, 0, 0.5);
    return {
      device: this.device,
      seq: this.seq++,
      ts,
      temperature_c: roundTo(temperature, 2),
      humidity_pct: roundTo(Math.min(99, Math.max(20, humidity)), 1),
      co2_ppm: Math.round(Math.min(2500, Math.max(380, this.co2 + gaussian(this.random, 0, 5)))),
    };
  }
}

/** A payload a faulty sensor might send: truncated JSON, binary noise or a firmware error line. */
export function garbagePayload(random: Random, reading: ClimateReading): Buffer {
  const kind = Math.floor(random() * 3);
  if (kind === 0) {
    const json = JSON.stringify(reading);
    return Buffer.from(json.slice(0, 1 + Math.floor(random() * (json.length - 2))));
  }
  if (kind === 1) {
    const bytes = Buffer.alloc(4 + Math.floor(random() * 28));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    bytes[0] = 0xff; // never valid UTF-8, so never accidentally a valid reading
    return bytes;
  }
  return Buffer.from(`ERR sensor ${reading.device} timeout`);
}
