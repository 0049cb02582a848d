import { existsSync } from 'node:fs';
import type { SerialPort, SerialPortMock } from 'serialport';
import { TributaryError, errorMessage } from '../../../core/errors.js';
import type { DataRecord } from '../../../core/record.js';
import type { Source, SourceContext, SourceHealth } from '../../component.js';
import { createParser, type Parser } from '../../parsers/index.js';
import { DEFAULT_DELIMITER, checkSerialConfig, delimiterBytes, type SerialSourceConfig } from './config.js';
import { DelimiterFramer, FixedLengthFramer, type Framer } from './framer.js';
import { ReopenBackoff } from './reopen-backoff.js';

/** How often a connected real port checks that its device node still exists. */
const PRESENCE_CHECK_MS = 500;

/** A serialport binding: the real one (bindings-cpp) or `SerialPortMock.binding` in unit tests. */
export type SerialBinding = typeof SerialPort.binding | typeof SerialPortMock.binding;

export interface SerialSourceOptions {
  /** Port access; the operating system's when absent. */
  binding?: SerialBinding;
}

/** Why a frame became a dead letter, as the `reason` label of `tributary_source_bad_frames_total`. */
const BAD_FRAME_KINDS = ['parse_error', 'frame_too_long', 'incomplete_frame'] as const;
type BadFrameKind = (typeof BAD_FRAME_KINDS)[number];
/** Why the port is reopened, as the `reason` label of `tributary_source_reopens_total`. */
const REOPEN_REASONS = ['open_failed', 'closed', 'stall'] as const;
type ReopenReason = (typeof REOPEN_REASONS)[number];

const METRIC = {
  bytes: 'tributary_source_bytes_total',
  frames: 'tributary_source_frames_total',
  badFrames: 'tributary_source_bad_frames_total',
  skippedFrames: 'tributary_source_skipped_frames_total',
  portErrors: 'tributary_source_port_errors_total',
  reopens: 'tributary_source_reopens_total',
  pauses: 'tributary_source_backpressure_pauses_total',
  emitErrors: 'tributary_source_emit_errors_total',
  pendingFrames: 'tributary_source_pending_frames',
} as const;

/** Creates a serial source; `binding` lets unit tests use the mock binding. */
export function createSerialSource(config: SerialSourceConfig, context: SourceContext, options: SerialSourceOptions = {}): Source {
  const problems = checkSerialConfig(config);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ');
    throw new TributaryError('ERR_SERIAL_CONFIG', `serial source ${context.id}: ${list}`);
  }
  return new SerialSource(config, context, options.binding);
}

/**
 * Reads one serial port. Never lets a port error escape: a failed open, a close, a disconnect or a
 * stall all end in a reopen with capped exponential backoff, shown in `health()`.
 *
 * On ptys and USB adapters (see the design brief): bytes written before the port is open are lost;
 * DTR/RTS ioctls fail on ptys, so they are never set; a port that vanishes before its first read may
 * spin in the binding without any event, which only `stall_timeout_ms` catches.
 */
class SerialSource implements Source {
  private state: SourceHealth['state'] = 'stopped';
  private detail: string | undefined;
  private lastDataAt: number | undefined;
  private running = false;
  /** The port in use; any other port object seen in a callback is stale and only gets closed. */
  private port: SerialPort | undefined;
  private SerialPortClass: typeof SerialPort | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private pendingFrames = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new Set<Promise<void>>();
  /** Settles when the current `port.open` calls back; `stop()` waits for it so no port opens after. */
  private openAttempt: Promise<void> | undefined;
  private readonly framer: Framer;
  private readonly parser: Parser;
  private readonly backoff: ReopenBackoff;
  private readonly key: string;
  private readonly attrs: Record<string, string>;
  private readonly labels: Record<string, string>;
  private readonly stripCarriageReturn: boolean;

  constructor(
    private readonly config: SerialSourceConfig,
    private readonly context: SourceContext,
    private readonly binding: SerialBinding | undefined,
  ) {
    const { framing } = config;
    if (framing.fixed_length !== undefined) {
      this.framer = new FixedLengthFramer(framing.fixed_length);
      this.stripCarriageReturn = false;
    } else {
      const delimiter = delimiterBytes(framing.delimiter ?? DEFAULT_DELIMITER, config.encoding);
      this.framer = new DelimiterFramer(delimiter, framing.max_frame_bytes);
      // Devices that end lines with CRLF work with the default `\n`.
      this.stripCarriageReturn = delimiter.equals(Buffer.from('\n'));
    }
    this.parser = createParser(config.parser);
    this.backoff = new ReopenBackoff(config.reopen_delay_ms, config.reopen_max_delay_ms);
    this.key = config.key ?? context.id;
    // Frozen: shared by every record of the port (records are never mutated).
    this.attrs = Object.freeze({ source: context.id, port: config.path });
    this.labels = { source: context.id };
    // Counters operators alert on exist at 0 from the start, so increase() sees the first bad frame or reopen.
    for (const reason of BAD_FRAME_KINDS) context.metrics.counter(METRIC.badFrames, { ...this.labels, reason });
    for (const reason of REOPEN_REASONS) context.metrics.counter(METRIC.reopens, { ...this.labels, reason });
  }

  /** Resolves after the first open attempt, whether it succeeded or a reopen is scheduled. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.state = 'starting';
    this.detail = undefined;
    this.backoff.reset();
    // Loaded on first use: serialport and its native binding cost ~17 MiB of RSS in agents without serial sources.
    this.SerialPortClass ??= (await import('serialport')).SerialPort;
    // A device node that disappears (USB unplugged, pty gone) does not always make serialport emit
    // 'close'; watching the path catches it even with the stall watchdog off. Real ports only: a mock
    // binding's paths do not exist on disk.
    if (!this.binding) {
      this.presenceTimer = setInterval(() => this.checkPresence(), PRESENCE_CHECK_MS);
      this.presenceTimer.unref();
    }
    return new Promise((resolve) => this.open(resolve));
  }

  /** Closes the port and resolves once every emitted record and dead letter has settled. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.presenceTimer);
    clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    this.clearStallTimer();
    const port = this.port;
    this.port = undefined;
    if (port) this.release(port, 'stopped');
    this.flushPartialFrame('the source stopped');
    await this.openAttempt;
    await Promise.allSettled([...this.closing]);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.state = 'stopped';
    this.detail = undefined;
  }

  health(): SourceHealth {
    const health: SourceHealth = { state: this.state };
    if (this.detail !== undefined) health.detail = this.detail;
    if (this.lastDataAt !== undefined) health.lastDataAt = this.lastDataAt;
    return health;
  }

  private open(opened?: () => void): void {
    const { config } = this;
    const openOptions = {
      path: config.path,
      baudRate: config.baud_rate,
      dataBits: config.data_bits,
      parity: config.parity,
      stopBits: config.stop_bits,
      autoOpen: false,
    };
    // SerialPort's options type hides `binding`, but the constructor honours one given (as SerialPortMock does).
    const port = new this.SerialPortClass!(
      (this.binding ? { ...openOptions, binding: this.binding } : openOptions) as ConstructorParameters<typeof SerialPort>[0],
    );
    this.port = port;
    // Without an 'error' listener a late port error would crash the process; every port keeps one for life.
    port.on('error', (error: Error) => this.onPortError(port, error));
    port.on('data', (chunk: Buffer) => this.onData(port, chunk));
    port.on('close', (error: Error | null) => this.onClose(port, error));
    // Also catches an open that never returns.
    this.armStallTimer();
    let openSettled = (): void => undefined;
    this.openAttempt = new Promise<void>((resolve) => (openSettled = resolve));
    port.open((error) => {
      openSettled();
      if (port !== this.port) {
        // Replaced (stall) or stopped while opening: close what may have opened.
        if (!error) this.release(port, 'abandoned');
      } else if (error) {
        this.port = undefined;
        this.clearStallTimer();
        this.context.metrics.inc(METRIC.portErrors, this.labels);
        this.scheduleReopen('open_failed', `cannot open ${config.path}: ${errorMessage(error)}`, error);
      } else {
        if (this.backoff.attempts > 0) this.context.logger.info({ path: config.path, attempts: this.backoff.attempts }, 'serial port reopened');
        this.state = 'connected';
        this.detail = undefined;
        // A device may resend its CSV header; the new stream starts afresh.
        this.parser.reset?.();
        if (this.paused) port.pause();
      }
      opened?.();
    });
  }

  private onData(port: SerialPort, chunk: Buffer): void {
    if (port !== this.port) return;
    const now = Date.now();
    this.lastDataAt = now;
    this.backoff.reset();
    this.armStallTimer();
    this.context.metrics.inc(METRIC.bytes, this.labels, chunk.length);
    const records: DataRecord[] = [];
    for (const event of this.framer.push(chunk)) {
      this.context.metrics.inc(METRIC.frames, this.labels);
      if (event.kind === 'too_long') {
        const reason = `frame too long: more than ${this.config.framing.max_frame_bytes} bytes without a delimiter (first bytes kept)`;
        this.deadLetter(event.bytes.toString(this.config.encoding), reason, 'frame_too_long');
      } else {
        this.handleFrame(event.bytes, now, records);
      }
    }
    if (records.length > 0) this.emit(records);
  }

  private handleFrame(bytes: Buffer, now: number, records: DataRecord[]): void {
    let text = bytes.toString(this.config.encoding);
    if (this.stripCarriageReturn && text.endsWith('\r')) text = text.slice(0, -1);
    if (this.config.framing.fixed_length === undefined && text.trim() === '') {
      this.context.metrics.inc(METRIC.skippedFrames, { ...this.labels, reason: 'empty' });
      return;
    }
    const result = this.parser.parse(text);
    if (result.ok) {
      records.push({ key: result.key ?? this.key, ts: result.ts ?? now, value: result.value, attrs: this.attrs, valueJson: result.json });
    } else if (result.skip) {
      this.context.metrics.inc(METRIC.skippedFrames, { ...this.labels, reason: result.reason });
    } else {
      this.deadLetter(text, result.reason, 'parse_error');
    }
  }

  private emit(records: DataRecord[]): void {
    const count = records.length;
    this.pendingFrames += count;
    this.track(
      settle(() => this.context.emit(records)),
      (error) => {
        this.context.metrics.inc(METRIC.emitErrors, this.labels, count);
        this.context.logger.error({ err: error, records: count }, 'serial source: the flow did not take records; they are lost');
      },
      () => {
        this.pendingFrames -= count;
        this.context.metrics.set(METRIC.pendingFrames, this.labels, this.pendingFrames);
        if (this.paused && this.pendingFrames <= this.config.max_pending_frames / 2) this.resumeReading();
      },
    );
    this.context.metrics.set(METRIC.pendingFrames, this.labels, this.pendingFrames);
    if (!this.paused && this.pendingFrames > this.config.max_pending_frames) this.pauseReading();
  }

  private deadLetter(raw: string, reason: string, kind: BadFrameKind): void {
    this.context.metrics.inc(METRIC.badFrames, { ...this.labels, reason: kind });
    this.track(settle(() => this.context.deadLetter(raw, reason, { ...this.attrs })), (error) => {
      this.context.logger.error({ err: error, reason }, 'serial source: could not keep a bad frame as a dead letter');
    });
  }

  /** Keeps a promise until it settles, so `stop()` can wait for it; a rejection is reported, never thrown. */
  private track(work: Promise<void>, onError: (error: unknown) => void, onSettled?: () => void): void {
    const tracked = work.then(
      () => undefined,
      (error: unknown) => onError(error),
    );
    const settled = tracked.finally(() => {
      this.inFlight.delete(settled);
      onSettled?.();
    });
    this.inFlight.add(settled);
  }

  /** Backpressure: the port's own buffer fills while the flow catches up; the device or driver holds the rest. */
  private pauseReading(): void {
    this.paused = true;
    this.clearStallTimer();
    this.port?.pause();
    this.context.metrics.inc(METRIC.pauses, this.labels);
    this.context.logger.warn({ pending: this.pendingFrames }, 'serial source: paused reading until stored records catch up');
  }

  private resumeReading(): void {
    this.paused = false;
    if (!this.running) return;
    this.port?.resume();
    this.armStallTimer();
  }

  private onClose(port: SerialPort, error: Error | null): void {
    if (port !== this.port) return;
    this.port = undefined;
    this.clearStallTimer();
    this.flushPartialFrame('the port closed');
    const why = error ? errorMessage(error) : 'closed';
    this.scheduleReopen('closed', `${this.config.path} closed (${why})`, error ?? undefined);
  }

  private onPortError(port: SerialPort, error: Error): void {
    this.context.metrics.inc(METRIC.portErrors, this.labels);
    this.context.logger.warn({ err: error, path: this.config.path }, 'serial port error');
    if (port !== this.port) return;
    // We never write or change line settings, so an 'error' event on the port in use comes from a close
    // that failed after a disconnect: the port is dead, whatever `isOpen` says. Start over.
    this.port = undefined;
    this.clearStallTimer();
    this.release(port, 'failed');
    this.flushPartialFrame('the port failed');
    this.scheduleReopen('closed', `${this.config.path} failed (${errorMessage(error)})`, error);
  }

  private checkPresence(): void {
    const port = this.port;
    if (!port || this.state !== 'connected' || existsSync(this.config.path)) return;
    this.port = undefined;
    this.clearStallTimer();
    this.release(port, 'gone');
    this.flushPartialFrame('the device disappeared');
    this.scheduleReopen('closed', `${this.config.path} closed (the device disappeared)`);
  }

  private onStall(): void {
    this.stallTimer = undefined;
    const port = this.port;
    if (!port || !this.running || this.paused) return;
    this.port = undefined;
    this.release(port, 'stalled');
    this.flushPartialFrame('the port stalled');
    const ms = this.config.stall_timeout_ms;
    this.scheduleReopen('stall', `no bytes from ${this.config.path} for ${ms} ms`, undefined, 'stalled');
  }

  private scheduleReopen(reason: ReopenReason, detail: string, error?: Error, state: SourceHealth['state'] = 'reconnecting'): void {
    if (!this.running || this.reopenTimer) return;
    const firstFailure = this.backoff.attempts === 0;
    const delay = this.backoff.next();
    this.state = state;
    this.detail = `${detail}; reopening in ${delay} ms`;
    this.context.metrics.inc(METRIC.reopens, { ...this.labels, reason });
    const log = { err: error, path: this.config.path, delayMs: delay, attempt: this.backoff.attempts };
    if (firstFailure) this.context.logger.warn(log, `serial source: ${detail}; reopening`);
    else this.context.logger.debug(log, `serial source: ${detail}; reopening`);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.running) this.open();
    }, delay);
  }

  /** Closes a port we no longer use; its 'error' listener stays so nothing it does later can crash us. */
  private release(port: SerialPort, why: string): void {
    port.removeAllListeners('data');
    port.removeAllListeners('close');
    if (!port.isOpen) return;
    const closed: Promise<void> = new Promise<void>((resolve) => {
      port.close((error) => {
        if (error && !('disconnected' in error)) {
          this.context.logger.warn({ err: error, path: this.config.path, why }, 'serial port did not close cleanly');
        }
        resolve();
      });
    }).then(() => {
      this.closing.delete(closed);
    });
    this.closing.add(closed);
  }

  /** An unfinished frame at close is data the device sent and we could not use: keep it as a dead letter. */
  private flushPartialFrame(why: string): void {
    const rest = this.framer.reset();
    if (rest.length > 0) this.deadLetter(rest.toString(this.config.encoding), `incomplete frame: ${why} before its end`, 'incomplete_frame');
  }

  private armStallTimer(): void {
    const ms = this.config.stall_timeout_ms;
    if (ms <= 0 || this.paused || !this.running) return;
    if (this.stallTimer) this.stallTimer.refresh();
    else this.stallTimer = setTimeout(() => this.onStall(), ms);
  }

  private clearStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}

/** Turns a synchronous throw into a rejected promise, so one error path handles both. */
function settle(work: () => Promise<void>): Promise<void> {
  try {
    return work();
  } catch (error) {
    return Promise.reject(error);
  }
}
