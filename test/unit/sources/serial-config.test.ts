import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { sourceSpecs } from '../../../agent/sources/registry.js';
import { checkSerialConfig, delimiterBytes, type SerialSourceConfig } from '../../../agent/sources/serial/config.js';
import { decodeEscapes } from '../../../agent/sources/serial/escapes.js';
import { serialSourceSpec } from '../../../agent/sources/serial/spec.js';

function validate(entry: Record<string, unknown>) {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, discriminator: true });
  const check = ajv.compile(serialSourceSpec.schema);
  const ok = check(entry);
  return { ok, errors: check.errors ?? [], config: entry as unknown as SerialSourceConfig };
}

describe('serial source schema', () => {
  it('is registered as `serial`', () => {
    expect(sourceSpecs.serial).toBe(serialSourceSpec);
  });

  it('fills in every default', () => {
    const { ok, config } = validate({ type: 'serial', path: '/dev/ttyUSB0' });
    expect(ok).toBe(true);
    expect(config).toEqual({
      type: 'serial',
      path: '/dev/ttyUSB0',
      baud_rate: 9600,
      data_bits: 8,
      parity: 'none',
      stop_bits: 1,
      framing: { delimiter: '\n', max_frame_bytes: 4096 },
      encoding: 'utf8',
      parser: { format: 'lines', trim: true },
      reopen_delay_ms: 1000,
      reopen_max_delay_ms: 30000,
      stall_timeout_ms: 0,
      max_pending_frames: 10000,
    });
    expect(checkSerialConfig(config)).toEqual([]);
  });

  it('applies the chosen parser’s defaults', () => {
    const { ok, config } = validate({ type: 'serial', path: '/dev/gps', baud_rate: 4800, parser: { format: 'nmea' } });
    expect(ok).toBe(true);
    expect(config.parser).toEqual({ format: 'nmea', verify_checksum: true });
  });

  it('rejects typos and wrong values with the path', () => {
    const { ok, errors } = validate({ type: 'serial', path: '/dev/gps', baudrate: 4800, parity: 'evn', framing: { delimter: '\n' } });
    expect(ok).toBe(false);
    const seen = errors.map((e) => `${e.instancePath} ${e.message}`);
    expect(seen).toContain(' must NOT have additional properties');
    expect(seen).toContain('/parity must be equal to one of the allowed values');
    expect(seen).toContain('/framing must NOT have additional properties');
  });

  it('describes every option', () => {
    const properties = serialSourceSpec.schema.properties as Record<string, { description?: string; properties?: Record<string, { description?: string }> }>;
    for (const [name, property] of Object.entries(properties)) {
      expect(property.description, name).toBeTruthy();
      for (const [inner, innerProperty] of Object.entries(property.properties ?? {})) expect(innerProperty.description, `${name}.${inner}`).toBeTruthy();
    }
  });
});

describe('checkSerialConfig', () => {
  const base = validate({ type: 'serial', path: '/dev/gps' }).config;

  it('collects every problem, parser problems under `parser`', () => {
    const problems = checkSerialConfig({
      ...base,
      framing: { delimiter: '\\q', fixed_length: 8, max_frame_bytes: 10 },
      reopen_delay_ms: 5000,
      reopen_max_delay_ms: 1000,
      parser: { format: 'regex', pattern: '(?<x>', flags: '', infer_types: true },
    });
    expect(problems.map((p) => p.path.join('.'))).toEqual(['framing', 'framing.delimiter', 'reopen_max_delay_ms', 'parser.pattern']);
    expect(problems[1]?.message).toBe('unknown escape "\\q": use \\r, \\n, \\t, \\0, \\\\ or \\xHH');
  });

  it('wants byte delimiters for binary encodings', () => {
    const problems = checkSerialConfig({ ...base, encoding: 'hex', framing: { delimiter: '€', max_frame_bytes: 10 } });
    expect(problems).toEqual([{ path: ['framing', 'delimiter'], message: 'with encoding hex the delimiter must be bytes (\\x00 to \\xFF)' }]);
  });
});

describe('delimiter escapes', () => {
  it('decodes literal escapes and leaves decoded ones alone', () => {
    expect(decodeEscapes('\\r\\n')).toBe('\r\n');
    expect(decodeEscapes('\r\n')).toBe('\r\n');
    expect(decodeEscapes('\\x7E|\\t\\0\\\\')).toBe('~|\t\0\\');
    expect(delimiterBytes('\\xFF\\x00', 'latin1')).toEqual(Buffer.from([0xff, 0x00]));
    expect(delimiterBytes('¶', 'utf8')).toEqual(Buffer.from([0xc2, 0xb6]));
  });
});
