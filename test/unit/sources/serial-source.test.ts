import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Source } from '../../../agent/component.js';
import type { ParserConfigInput } from '../../../agent/parsers/index.js';
import type { SerialSourceConfig } from '../../../agent/sources/serial/config.js';
import { createSerialSource, type SerialBinding } from '../../../agent/sources/serial/serial-source.js';
import type { DataRecord } from '../../../core/record.js';
import { collectingContext, waitFor, type CollectingContext } from './serial-test-context.js';

const PATH = '/dev/ttyMOCK0';

type MockPortBinding = Awaited<ReturnType<typeof SerialPortMock.binding.open>>;

/** The mock binding (the one serialport's own SerialPortMock uses), with hooks to fail opens and reach open ports. */
function instrumentedBinding() {
  const base = SerialPortMock.binding;
  const opened: MockPortBinding[] = [];
  const control = { failOpens: 0, openAttempts: 0 };
  const binding: typeof SerialPortMock.binding = {
    createPort: (path, options) => base.createPort(path, options),
    reset: () => base.reset(),
    list: () => base.list(),
    async open(options) {
      control.openAttempts++;
      if (control.failOpens > 0) {
        control.failOpens--;
        throw new Error(`ENOENT: no such file or directory, open '${options.path}'`);
      }
      const port = await base.open(options);
      opened.push(port);
      return port;
    },
  };
  return { binding: binding as SerialBinding, opened, control, current: () => opened.at(-1) };
}

function config(overrides: Partial<Omit<SerialSourceConfig, 'parser'>> & { parser?: ParserConfigInput } = {}): SerialSourceConfig {
  return {
    type: 'serial',
    path: PATH,
    baud_rate: 4800,
    data_bits: 8,
    parity: 'none',
    stop_bits: 1,
    framing: { delimiter: '\r\n', max_frame_bytes: 4096 },
    encoding: 'utf8',
    reopen_delay_ms: 10,
    reopen_max_delay_ms: 40,
    stall_timeout_ms: 0,
    max_pending_frames: 10000,
    ...overrides,
    parser: (overrides.parser ?? { format: 'nmea', verify_checksum: true }) as SerialSourceConfig['parser'],
  };
}

const GGA = '$GPGGA,030719.000,3747.0873,S,17518.8938,E,1,08,1.1,59.9,M,23.7,M,,0000*7D';
const RMC = '$GPRMC,030719.000,A,3747.0873,S,17518.8938,E,0.69,181.39,311214,,,A*7D';
const GSA = '$GPGSA,A,3,17,28,06,01,30,20,26,13,,,,,1.8,1.1,1.5*33';

describe('serial source (mock binding)', () => {
  let mock: ReturnType<typeof instrumentedBinding>;
  let context: CollectingContext;
  let source: Source | undefined;

  beforeEach(() => {
    SerialPortMock.binding.reset();
    SerialPortMock.binding.createPort(PATH);
    mock = instrumentedBinding();
    context = collectingContext('gps');
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
  });

  async function started(options: Parameters<typeof config>[0] = {}): Promise<Source> {
    source = createSerialSource(config(options), context, { binding: mock.binding });
    await source.start();
    expect(source.health().state).toBe('connected');
    return source;
  }

  /** Fails the port's pending read as an unplugged USB adapter does: the stream sees a disconnect. */
  async function unplug(port: MockPortBinding): Promise<void> {
    port.read = () => Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    // Let the stream's next read reach the mock before waking it.
    await new Promise((resolve) => setImmediate(resolve));
    port.emitData(Buffer.alloc(0));
  }

  function send(data: string | Buffer): void {
    const port = mock.current();
    if (!port) throw new Error('no open mock port');
    port.emitData(data);
  }

  it('frames sentences split across chunks (even inside CR LF) and emits parsed records in order', async () => {
    await started();
    const stream = `${GGA}\r\n${RMC}\r\n${GSA}\r\n`;
    const cuts = [5, 80, 81, 150, 151, stream.length];
    let from = 0;
    for (const cut of cuts) {
      send(stream.slice(from, cut));
      from = cut;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor('3 records', () => context.records.length === 3);
    expect(context.records.map((r) => (r.value as { type: string }).type)).toEqual(['GGA', 'RMC', 'GSA']);
    const rmc = context.records[1] as DataRecord;
    expect(rmc.key).toBe('gps');
    expect(rmc.ts).toBe(Date.parse('2014-12-31T03:07:19.000Z'));
    expect(rmc.attrs).toEqual({ source: 'gps', port: PATH });
    expect(rmc.value).toMatchObject({ lat: -37.78478833, speed_kmh: 1.278 });
    expect(context.deadLetters).toEqual([]);
    expect(context.metrics.get('tributary_source_frames_total', { source: 'gps' })).toBe(3);
    expect(source?.health().lastDataAt).toBeTypeOf('number');
  });

  it('has its bad frame and reopen series at 0 from the start, one per reason, so increase() alerts see the first one', () => {
    source = createSerialSource(config(), context, { binding: mock.binding });
    const zero = context.metrics
      .snapshot()
      .filter((m) => m.name === 'tributary_source_bad_frames_total' || m.name === 'tributary_source_reopens_total')
      .map((m) => `${m.name} ${m.labels.source} ${m.labels.reason} ${m.value}`)
      .sort();
    expect(zero).toEqual([
      'tributary_source_bad_frames_total gps frame_too_long 0',
      'tributary_source_bad_frames_total gps incomplete_frame 0',
      'tributary_source_bad_frames_total gps parse_error 0',
      'tributary_source_reopens_total gps closed 0',
      'tributary_source_reopens_total gps open_failed 0',
      'tributary_source_reopens_total gps stall 0',
    ]);
  });

  it('opens the port with the configured line settings', async () => {
    await started({ baud_rate: 19200, data_bits: 7, parity: 'even', stop_bits: 2 });
    expect(mock.current()?.openOptions).toMatchObject({ path: PATH, baudRate: 19200, dataBits: 7, parity: 'even', stopBits: 2 });
  });

  it('dead-letters bad frames with the reason and keeps the good ones', async () => {
    await started();
    const flipped = GGA.replace('59.9', '59.8');
    send(`${GGA}\r\n${flipped}\r\n\u00ff\u00fegarbage\r\n${RMC}\r\n`);
    await waitFor('2 records and 2 dead letters', () => context.records.length === 2 && context.deadLetters.length === 2);
    expect(context.records.map((r) => (r.value as { type: string }).type)).toEqual(['GGA', 'RMC']);
    expect(context.deadLetters[0]).toEqual({ raw: flipped, reason: 'checksum mismatch: expected 7C, got 7D', attrs: { source: 'gps', port: PATH } });
    expect(context.deadLetters[1]?.reason).toBe('not an NMEA sentence: expected it to start with $ or !');
    expect(context.metrics.get('tributary_source_bad_frames_total', { source: 'gps', reason: 'parse_error' })).toBe(2);
  });

  it('reports an over-long frame and resyncs at the next delimiter', async () => {
    await started({ framing: { delimiter: '\r\n', max_frame_bytes: 100 } });
    send(`${'x'.repeat(150)}`);
    send(`${'y'.repeat(150)}\r\n${GSA}\r\n`);
    await waitFor('a record after the long frame', () => context.records.length === 1);
    expect(context.deadLetters).toHaveLength(1);
    expect(context.deadLetters[0]?.reason).toMatch(/^frame too long: more than 100 bytes/);
    expect(context.deadLetters[0]?.raw).toBe('x'.repeat(100));
    expect(context.metrics.get('tributary_source_bad_frames_total', { source: 'gps', reason: 'frame_too_long' })).toBe(1);
  });

  it('cuts fixed-length binary frames and hands them on as hex', async () => {
    await started({ framing: { fixed_length: 4, max_frame_bytes: 4096 }, encoding: 'hex', parser: { format: 'lines' } });
    send(Buffer.from([0xde, 0xad, 0xbe]));
    send(Buffer.from([0xef, 0x00, 0x0a, 0x0d, 0x00, 0xff]));
    await waitFor('2 records', () => context.records.length === 2);
    expect(context.records.map((r) => r.value)).toEqual(['deadbeef', '000a0d00']);
  });

  it('understands a delimiter written with literal escapes and strips CR with the default \\n', async () => {
    await started({ framing: { delimiter: '\\n', max_frame_bytes: 4096 }, parser: { format: 'regex', pattern: '^T=(?<t>[\\d.]+)$' } });
    send('T=1.5\r\nT=2\n\r\n');
    await waitFor('2 records', () => context.records.length === 2);
    expect(context.records.map((r) => r.value)).toEqual([{ t: 1.5 }, { t: 2 }]);
    expect(context.deadLetters).toEqual([]);
    expect(context.metrics.get('tributary_source_skipped_frames_total', { source: 'gps', reason: 'empty' })).toBe(1);
  });

  it('uses the static key, or the parser key_field when the frame has one', async () => {
    await started({ key: 'greenhouse', parser: { format: 'json', key_field: 'id' } });
    send('{"id":"th-1","t":1}\r\n{"t":2}\r\n');
    await waitFor('2 records', () => context.records.length === 2);
    expect(context.records.map((r) => r.key)).toEqual(['th-1', 'greenhouse']);
  });

  it('keeps reconnecting while the device is missing, then reads it', async () => {
    mock.control.failOpens = 3;
    source = createSerialSource(config(), context, { binding: mock.binding });
    await source.start();
    expect(source.health().state).toBe('reconnecting');
    expect(source.health().detail).toMatch(/^cannot open \/dev\/ttyMOCK0: ENOENT.*; reopening in 10 ms$/);
    await waitFor('connected', () => source?.health().state === 'connected', 5000, () => source?.health());
    expect(mock.control.openAttempts).toBe(4);
    expect(context.metrics.get('tributary_source_reopens_total', { source: 'gps', reason: 'open_failed' })).toBe(3);
    send(`${GSA}\r\n`);
    await waitFor('a record', () => context.records.length === 1);
  });

  it('backs off exponentially up to the cap while the port stays missing', async () => {
    mock.control.failOpens = 100;
    source = createSerialSource(config({ reopen_delay_ms: 5, reopen_max_delay_ms: 20 }), context, { binding: mock.binding });
    await source.start();
    const delays: string[] = [];
    await waitFor('5 attempts', () => {
      const detail = source?.health().detail ?? '';
      const delay = /reopening in (\d+) ms/.exec(detail)?.[1];
      if (delay && delays.at(-1) !== `${mock.control.openAttempts}:${delay}`) delays.push(`${mock.control.openAttempts}:${delay}`);
      return mock.control.openAttempts >= 5;
    });
    expect(delays.slice(0, 4).map((d) => d.split(':')[1])).toEqual(['5', '10', '20', '20']);
  });

  it('survives a disconnect: reports reconnecting, reopens and reads again; the cut frame is a dead letter', async () => {
    await started();
    send(`${GGA}\r\n$GPRMC,0307`);
    await waitFor('first record', () => context.records.length === 1);
    mock.control.failOpens = 2;
    await unplug(mock.current() as MockPortBinding);
    await waitFor('reconnecting', () => source?.health().state === 'reconnecting', 5000, () => source?.health());
    expect(source?.health().detail).toMatch(/closed \(EIO: i\/o error, read\)/);
    await waitFor('connected again', () => source?.health().state === 'connected' && mock.opened.length === 2, 5000, () => source?.health());
    send(`${RMC}\r\n`);
    await waitFor('record after the reopen', () => context.records.length === 2);
    expect((context.records[1]?.value as { type: string }).type).toBe('RMC');
    expect(context.deadLetters).toEqual([
      { raw: '$GPRMC,0307', reason: 'incomplete frame: the port closed before its end', attrs: { source: 'gps', port: PATH } },
    ]);
    expect(context.metrics.get('tributary_source_reopens_total', { source: 'gps', reason: 'closed' })).toBe(1);
  });

  it('survives a port error event (a close that fails after a disconnect) and reopens', async () => {
    await started();
    const first = mock.current() as MockPortBinding;
    const close = first.close.bind(first);
    let closeFailed = false;
    // The stream's own close after the disconnect fails; ours, on releasing the port, succeeds.
    first.close = () => {
      if (closeFailed) return close();
      closeFailed = true;
      return Promise.reject(new Error('EBADF: bad file descriptor, close'));
    };
    await unplug(first);
    await waitFor('reopened after the error', () => mock.opened.length === 2 && source?.health().state === 'connected', 5000, () => source?.health());
    expect(closeFailed).toBe(true);
    expect(first.isOpen).toBe(false);
    expect(context.metrics.get('tributary_source_port_errors_total', { source: 'gps' })).toBeGreaterThanOrEqual(1);
    send(`${GSA}\r\n`);
    await waitFor('a record from the new port', () => context.records.length === 1);
  });

  it('re-reads a CSV header line after a reopen', async () => {
    await started({ parser: { format: 'csv', header_line: true } });
    send('a,b\r\n1,2\r\n');
    await waitFor('a record', () => context.records.length === 1);
    await unplug(mock.current() as MockPortBinding);
    await waitFor('reopened', () => mock.opened.length === 2 && source?.health().state === 'connected');
    send('x,y\r\n5,6\r\n');
    await waitFor('2 records', () => context.records.length === 2);
    expect(context.records.map((r) => r.value)).toEqual([
      { a: 1, b: 2 },
      { x: 5, y: 6 },
    ]);
    expect(context.metrics.get('tributary_source_skipped_frames_total', { source: 'gps', reason: 'header line' })).toBe(2);
  });

  it('reopens a port that goes quiet for stall_timeout_ms', async () => {
    await started({ stall_timeout_ms: 40 });
    send(`${GSA}\r\n`);
    await waitFor('stall reopen', () => mock.opened.length >= 2, 5000, () => source?.health());
    expect(context.metrics.get('tributary_source_reopens_total', { source: 'gps', reason: 'stall' })).toBeGreaterThanOrEqual(1);
    expect(mock.opened[0]?.isOpen).toBe(false);
    await waitFor('connected after the stall', () => source?.health().state === 'connected');
    send(`${GSA}\r\n`);
    await waitFor('a record from the new port', () => context.records.length === 2);
  });

  it('reports stalled between the stall and the reopen', async () => {
    await started({ stall_timeout_ms: 20, reopen_delay_ms: 1000, reopen_max_delay_ms: 1000 });
    await waitFor('stalled', () => source?.health().state === 'stalled', 5000, () => source?.health());
    expect(source?.health().detail).toBe(`no bytes from ${PATH} for 20 ms; reopening in 1000 ms`);
  });

  it('pauses reading while too many records wait to be stored, and resumes when they drain', async () => {
    const waiting: (() => void)[] = [];
    context = collectingContext('gps', () => new Promise<void>((resolve) => waiting.push(resolve)));
    const emitted: number[] = [];
    const emit = context.emit;
    context.emit = (records) => {
      emitted.push(records.length);
      return emit(records);
    };
    await started({ max_pending_frames: 5, parser: { format: 'lines' } });
    send(Array.from({ length: 8 }, (_, i) => `a${i}\r\n`).join(''));
    await waitFor('first batch emitted', () => emitted.length === 1);
    expect(context.metrics.get('tributary_source_backpressure_pauses_total', { source: 'gps' })).toBe(1);
    send('b0\r\nb1\r\n');
    // Give the paused stream every chance to deliver (it must not).
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(emitted).toEqual([8]);
    waiting.splice(0).forEach((resolve) => resolve());
    await waitFor('resumed and read the rest', () => emitted.length === 2);
    waiting.splice(0).forEach((resolve) => resolve());
    await waitFor('all stored', () => context.records.length === 10);
    expect(context.records.map((r) => r.value)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'b0', 'b1']);
  });

  it('stop() closes the port and resolves only after in-flight emits settle', async () => {
    let release: (() => void) | undefined;
    context = collectingContext('gps', () => new Promise<void>((resolve) => (release = resolve)));
    await started({ parser: { format: 'lines' } });
    send('one\r\n');
    await waitFor('emit in flight', () => release !== undefined);
    let stopped = false;
    const stopping = source?.stop().then(() => (stopped = true));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    expect(mock.current()?.isOpen).toBe(false);
    release?.();
    await stopping;
    expect(stopped).toBe(true);
    expect(context.records.map((r) => r.value)).toEqual(['one']);
    expect(source?.health()).toEqual({ state: 'stopped', lastDataAt: expect.any(Number) });
  });

  it('counts a rejected emit and keeps reading', async () => {
    let calls = 0;
    context = collectingContext('gps', async () => {
      if (++calls === 1) throw new Error('log closed');
    });
    await started({ parser: { format: 'lines' } });
    send('lost\r\n');
    await waitFor('emit error counted', () => context.metrics.get('tributary_source_emit_errors_total', { source: 'gps' }) === 1);
    send('kept\r\n');
    await waitFor('next record', () => context.records.length === 1);
    expect(context.records[0]?.value).toBe('kept');
  });

  it('refuses an invalid config with a coded error', () => {
    expect(() => createSerialSource(config({ parser: { format: 'regex', pattern: '(' } }), context, { binding: mock.binding })).toThrow(
      /ERR_SERIAL_CONFIG|parser.pattern: pattern does not compile/,
    );
  });
});
