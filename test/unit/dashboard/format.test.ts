import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatCompact, formatCount, formatDuration, formatRate, formatSeconds, formatValue } from '../../../dashboard/src/components/format.js';

describe('dashboard formatters', () => {
  it('formats bytes in binary units, one decimal below 10', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MiB');
    expect(formatBytes(3.25 * 1024 ** 3)).toBe('3.3 GiB');
  });

  it('formats counts with separators and compact counts with suffixes', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-1234.4)).toBe('-1,234');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1e15)).toBe('1,000,000,000,000,000');
    expect(formatCount(0)).toBe('0');
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(12_345)).toBe('12k');
    expect(formatCompact(4_500_000)).toBe('4.5M');
    expect(formatCompact(2.5)).toBe('2.5');
  });

  it('formats rates per second, keeping small rates visible', () => {
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(0.04)).toBe('0.04/s');
    expect(formatRate(0.4)).toBe('0.4/s');
    expect(formatRate(12)).toBe('12/s');
    expect(formatRate(3400)).toBe('3.4k/s');
  });

  it('formats durations as their two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(12_000)).toBe('12s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(2 * 3_600_000 + 10 * 60_000)).toBe('2h 10m');
    expect(formatDuration(4 * 86_400_000 + 3 * 3_600_000)).toBe('4d 3h');
    expect(formatSeconds(0)).toBe('0s');
    expect(formatSeconds(2.5)).toBe('2.5s');
  });

  it('formats ages relative to now, treating clock skew into the future as now', () => {
    const now = 1_700_000_000_000;
    expect(formatAge(null, now)).toBe('never');
    expect(formatAge(now - 400, now)).toBe('now');
    expect(formatAge(now + 5000, now)).toBe('now');
    expect(formatAge(now - 4_700, now)).toBe('4s ago');
    expect(formatAge(now - 75_000, now)).toBe('1m 15s ago');
  });

  it('shows a dash, never NaN, for missing or non-finite numbers', () => {
    for (const format of [formatBytes, formatCount, formatCompact, formatRate, formatDuration, formatSeconds, formatValue]) {
      expect(format(null)).toBe('–');
      expect(format(undefined)).toBe('–');
      expect(format(Number.NaN)).toBe('–');
    }
    expect(formatAge(Number.NaN, 0)).toBe('–');
  });

  it('formats measured values with at most four significant digits', () => {
    expect(formatValue(21)).toBe('21');
    expect(formatValue(21.456789)).toBe('21.46');
    expect(formatValue(0.000012)).toBe('1.200e-5');
    expect(formatValue(-3.14159)).toBe('-3.142');
  });
});
