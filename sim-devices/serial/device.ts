import { constants, mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomSeed, seededRandom, type Random } from '../../agent/sources/generate/random.js';
import { errorMessage } from '../../core/errors.js';
import { createLineSource, type LineSource, type SerialDeviceKind } from './line-sources.js';
import { createPtyPair, type PtyPair } from './pty.js';
import { readCaptureLines } from './replay.js';

/** Faults injected per generated line, each with its own probability (0..1). */
export interface SerialFaults {
  /** A line of random non-text bytes before the line: one bad frame each. */
  garbage?: number;
  /** The line cut short (then ended normally): one bad frame each. */
  truncate?: number;
  /** After the line, `burstLines` more lines in the same write. */
  burst?: number;
  burstLines?: number;
}

export interface SerialDeviceOptions {
  kind: SerialDeviceKind;
  /** Device id written into CSV and JSON readings. */
  id?: string;
  /** Lines per second. */
  ratePerSec: number;
  /** Where the `dev` and `sim` links go; a new temporary directory (removed on close) when absent. */
  dir?: string;
  /** NMEA: a capture file (`#` comments allowed) to replay instead of simulating a receiver. */
  replay?: string;
  /** Stop after this many lines (faulty ones included); `done` resolves then. */
  lines?: number;
  /** Default `\r\n` for NMEA (as receivers send), `\n` otherwise. */
  lineEnding?: string;
  faults?: SerialFaults;
  seed?: number;
  /** NMEA: where the simulated receiver starts. */
  start?: { lat: number; lon: number };
  /** Keep every intact line written (tests compare them with what the agent read). */
  record?: boolean;
}

export interface SerialDeviceStats {
  /** Generated lines written, intact or truncated. */
  lines: number;
  intact: number;
  truncated: number;
  garbage: number;
  bursts: number;
  /** Greeting lines (a CSV header) written at power-up and after each replug. */
  greetings: number;
  bytes: number;
  writeErrors: number;
  unplugs: number;
}

const GARBAGE_BYTES = [
  ...Array.from({ length: 8 }, (_, i) => 0x01 + i),
  ...Array.from({ length: 14 }, (_, i) => 0x0e + i),
  ...Array.from({ length: 128 }, (_, i) => 0x80 + i).filter((b) => b !== 0xa0 && b !== 0x85),
];

/**
 * A simulated serial device on a real virtual serial port (a socat pty pair). The agent opens `path`;
 * the device writes lines to the other end at `ratePerSec`, with optional faults, and can be unplugged
 * (socat killed, links gone) and replugged (a new pair at the same paths).
 *
 * Bytes written while nobody has `path` open are lost, as on a real pty: start the reader first.
 */
export class SerialDevice {
  readonly stats: SerialDeviceStats = { lines: 0, intact: 0, truncated: 0, garbage: 0, bursts: 0, greetings: 0, bytes: 0, writeErrors: 0, unplugs: 0 };
  /** Intact lines in the order written, when `record` is set. */
  readonly intactLines: string[] = [];
  /** Resolves when `lines` lines have been written, or when the device is closed. */
  readonly done: Promise<void>;
  lastWriteError: string | undefined;

  private pty: PtyPair;
  private handle: FileHandle | undefined;
  private running = false;
  private plugged = true;
  private closed = false;
  private pump: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private scheduleStart = 0;
  private scheduled = 0;
  private finish!: () => void;
  private readonly random: Random;
  private readonly source: LineSource;
  private readonly lineEnding: string;
  private readonly dir: string;
  private readonly ownsDir: boolean;

  private constructor(
    private readonly options: SerialDeviceOptions,
    pty: PtyPair,
    ownsDir: boolean,
    replay: string[] | undefined,
  ) {
    this.pty = pty;
    this.dir = pty.dir;
    this.ownsDir = ownsDir;
    this.random = seededRandom(options.seed ?? randomSeed());
    this.source = createLineSource({
      kind: options.kind,
      id: options.id ?? `${options.kind}-sim`,
      random: this.random,
      now: Date.now,
      replay,
      start: options.start,
    });
    this.lineEnding = options.lineEnding ?? (options.kind === 'nmea' ? '\r\n' : '\n');
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  /** Creates the pty pair (the port exists from now on) without writing anything yet. */
  static async create(options: SerialDeviceOptions): Promise<SerialDevice> {
    if (!(options.ratePerSec > 0)) throw new RangeError('ratePerSec must be above 0');
    // Read the capture first: a missing file should not leave a socat behind.
    const replay = options.replay === undefined ? undefined : readCaptureLines(options.replay);
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tributary-serial-'));
    try {
      return new SerialDevice(options, await createPtyPair({ dir }), ownsDir, replay);
    } catch (error) {
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The port the agent opens. */
  get path(): string {
    return this.pty.devicePath;
  }

  /** The end this device writes to. */
  get simPath(): string {
    return this.pty.simPath;
  }

  get isPlugged(): boolean {
    return this.plugged;
  }

  /** Powers the device up: greeting lines, then lines at the set rate. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.powerUp();
  }

  /** Writes bytes as they are, now, besides the lines at the set rate (tests that need exact control). */
  async write(data: string | Buffer): Promise<void> {
    if (!this.plugged) throw new Error('the device is unplugged');
    this.handle ??= await this.openSimEnd();
    await this.writeChunk(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** Pulls the plug: socat dies, both links vanish, the agent's port breaks. */
  async unplug(): Promise<void> {
    if (!this.plugged) return;
    this.plugged = false;
    this.stats.unplugs++;
    // socat first: a write waiting for room in the pty fails then instead of holding the pump.
    await this.pty.close();
    await this.stopPump();
    await this.closeHandle();
  }

  /** Plugs it back in: a new pty pair at the same paths; a running device powers up again. */
  async replug(): Promise<void> {
    if (this.plugged) return;
    this.pty = await createPtyPair({ dir: this.dir });
    this.plugged = true;
    if (this.running) await this.powerUp();
  }

  /** Stops writing, kills socat and removes the links (and the directory when this device made it). */
  async close(): Promise<void> {
    this.closed = true;
    this.running = false;
    await this.pty.close();
    await this.stopPump();
    await this.closeHandle();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
    this.finish();
  }

  private async powerUp(): Promise<void> {
    this.handle ??= await this.openSimEnd();
    const greeting = this.source.greeting();
    if (greeting.length > 0) {
      this.stats.greetings += greeting.length;
      await this.writeChunk(Buffer.from(greeting.map((line) => line + this.lineEnding).join(''), 'utf8'));
    }
    this.scheduleStart = Date.now();
    this.scheduled = 0;
    this.pump = this.runPump();
  }

  private async runPump(): Promise<void> {
    const rate = this.options.ratePerSec;
    while (this.running && this.plugged && !this.finished()) {
      const due = Math.floor(((Date.now() - this.scheduleStart) * rate) / 1000) + 1 - this.scheduled;
      if (due > 0) {
        this.scheduled += due;
        await this.writeChunk(this.nextChunk(due));
        continue;
      }
      const nextAt = this.scheduleStart + (this.scheduled * 1000) / rate;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, Math.min(100, nextAt - Date.now())));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    if (this.finished()) this.finish();
  }

  private finished(): boolean {
    return this.options.lines !== undefined && this.stats.lines >= this.options.lines;
  }

  /** Up to `count` lines (never past `lines`), with faults drawn per line. */
  private nextChunk(count: number): Buffer {
    const faults = this.options.faults ?? {};
    const parts: Buffer[] = [];
    const remaining = (): number => (this.options.lines === undefined ? Infinity : this.options.lines - this.stats.lines);
    for (let i = 0; i < count && remaining() > 0; i++) {
      if (faults.garbage && this.random() < faults.garbage) {
        parts.push(this.garbage(), Buffer.from(this.lineEnding));
        this.stats.garbage++;
      }
      let line = this.source.next();
      this.stats.lines++;
      if (faults.truncate && this.random() < faults.truncate) {
        line = this.source.truncate(line, this.random);
        this.stats.truncated++;
      } else {
        this.keep(line);
      }
      parts.push(Buffer.from(line + this.lineEnding, 'utf8'));
      if (faults.burst && this.random() < faults.burst) {
        this.stats.bursts++;
        const size = Math.min(faults.burstLines ?? 20, remaining());
        for (let j = 0; j < size; j++) {
          const extra = this.source.next();
          this.stats.lines++;
          this.keep(extra);
          parts.push(Buffer.from(extra + this.lineEnding, 'utf8'));
        }
      }
    }
    return Buffer.concat(parts);
  }

  private keep(line: string): void {
    this.stats.intact++;
    if (this.options.record) this.intactLines.push(line);
  }

  private garbage(): Buffer {
    const length = 4 + Math.floor(this.random() * 20);
    return Buffer.from(Array.from({ length }, () => GARBAGE_BYTES[Math.floor(this.random() * GARBAGE_BYTES.length)] as number));
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    if (!this.handle) return;
    const handle = this.handle;
    let offset = 0;
    try {
      while (offset < chunk.length) {
        try {
          offset += (await handle.write(chunk, offset)).bytesWritten;
        } catch (error) {
          // Non-blocking end: a full pty (the reader is slow or paused) says EAGAIN; wait for room.
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || !this.plugged || this.closed) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    } catch (error) {
      // Failing writes during our own unplug or close are the point of it; anything else is counted.
      if (this.plugged && !this.closed) {
        this.stats.writeErrors++;
        this.lastWriteError = errorMessage(error);
      }
    } finally {
      this.stats.bytes += offset;
    }
  }

  /** Callers first clear `running` or `plugged`, which ends the pump's loop. */
  private async stopPump(): Promise<void> {
    this.wake?.();
    await this.pump;
    this.pump = undefined;
  }

  private openSimEnd(): Promise<FileHandle> {
    // Non-blocking: a blocking write to a full pty would hold a libuv thread, and four of them
    // would starve the agent's own port reads when both run in one process (tests).
    return open(this.pty.simPath, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
