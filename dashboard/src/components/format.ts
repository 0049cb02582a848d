/** Formatters for the numbers an operator reads at a glance: compact, fixed units, never "NaN". */

const DASH = '–';

function finite(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Bytes in binary units: 0 B, 512 B, 1.5 KiB, 12 MiB, 3.2 GiB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (!finite(bytes)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = bytes < 0 ? '-' : '';
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  return `${sign}${value < 10 ? value.toFixed(1) : Math.round(value).toString()} ${units[unit]}`;
}

/** A whole count with thousands separators: 1234567 -> "1,234,567". */
export function formatCount(count: number | null | undefined): string {
  if (!finite(count)) return DASH;
  // Not toLocaleString: it builds a formatter per call, and the fleet table formats thousands of numbers a second.
  const rounded = Math.round(count);
  if (Math.abs(rounded) < 1000) return rounded.toString();
  return rounded.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A count shortened for tight cells: 950, 12.3k, 4.5M, 1.2G. */
export function formatCompact(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  const abs = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  for (const [size, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (abs >= size) {
      const scaled = abs / size;
      return `${sign}${scaled < 10 ? scaled.toFixed(1) : Math.round(scaled).toString()}${suffix}`;
    }
  }
  return `${sign}${abs < 10 && !Number.isInteger(abs) ? abs.toFixed(1) : Math.round(abs).toString()}`;
}

/** A rate in records per second: 0/s, 0.4/s, 12/s, 3.4k/s. */
export function formatRate(perSecond: number | null | undefined): string {
  if (!finite(perSecond)) return DASH;
  if (perSecond !== 0 && Math.abs(perSecond) < 0.1) return `${perSecond.toFixed(2)}/s`;
  return `${formatCompact(perSecond)}/s`;
}

/** A duration in ms as the two largest units: 850ms, 12s, 3m 05s, 2h 10m, 4d 3h. */
export function formatDuration(ms: number | null | undefined): string {
  if (!finite(ms)) return DASH;
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${pad(seconds % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${pad(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A lag given in seconds (the agent reports seconds). */
export function formatSeconds(seconds: number | null | undefined): string {
  if (!finite(seconds)) return DASH;
  return formatDuration(seconds * 1000);
}

/** How long ago a hub timestamp was: "never", "now", "12s ago", "3m 05s ago". Future stamps (clock skew) read as "now". */
export function formatAge(ts: number | null | undefined, now: number): string {
  if (ts === null || ts === undefined) return 'never';
  if (!finite(ts)) return DASH;
  const age = now - ts;
  if (age < 1000) return 'now';
  // Whole seconds: an age ticking "4.1s, 5.1s" every second is noise.
  return `${age < 60_000 ? `${Math.floor(age / 1000)}s` : formatDuration(age)} ago`;
}

/** A measured value with at most 4 significant digits, keeping integers whole. */
export function formatValue(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return value.toString();
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/** Local wall-clock time of a ms timestamp, with the date when it is not today. */
export function formatTime(ts: number | null | undefined, now: number = Date.now()): string {
  if (!finite(ts)) return DASH;
  const date = new Date(ts);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (new Date(now).toDateString() === date.toDateString()) return time;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

function pad(n: number): string {
  return n.toString().padStart(2, '0');
}
