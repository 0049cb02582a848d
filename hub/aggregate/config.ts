import { TributaryError } from '../../core/errors.js';
import type { HubAggregateSection } from '../config/types.js';
import { durationMs, formatDuration } from './duration.js';

/** The aggregator's settings with every duration in ms and the defaults applied. */
export interface AggregateSettings {
  enabled: boolean;
  /** Window sizes in ms, ascending, without duplicates. */
  windowsMs: number[];
  /** Paths inside the record's value (`['env', 'humidity']`) with their metric names; undefined = every numeric top-level field. */
  metrics?: { name: string; path: string[] }[];
  allowedLatenessMs: number;
  retention: { minAgeMs: number; minWindows: number };
  members: number;
}

/** The section's defaults, used when the hub config has no `aggregate:` section. */
export const AGGREGATE_DEFAULTS: HubAggregateSection = {
  enabled: true,
  windows: ['10s', '1m', '1h'],
  allowed_lateness_ms: 60_000,
  retention: { min_age: '7d', min_windows: 10_000 },
  members: 1,
};

/** Resolves the hub config's `aggregate:` section (or its absence) into settings. */
export function aggregateSettings(section: Partial<HubAggregateSection> = {}): AggregateSettings {
  const merged = { ...AGGREGATE_DEFAULTS, ...section, retention: { ...AGGREGATE_DEFAULTS.retention, ...section.retention } };
  const windowsMs = [...new Set(merged.windows.map(durationMs))].sort((a, b) => a - b);
  if (windowsMs.length === 0) throw new TributaryError('ERR_AGGREGATE_CONFIG', 'aggregate.windows is empty: list at least one window size such as "1m"');
  const metrics = merged.metrics?.map((field) => {
    const path = field.split('.');
    if (path[0] !== 'value' || path.length < 2 || path.some((part) => part === '')) {
      throw new TributaryError('ERR_AGGREGATE_CONFIG', `aggregate.metrics: "${field}" is not a field path: write it as value.<field>, e.g. value.temperature_c`);
    }
    return { name: path.slice(1).join('.'), path: path.slice(1) };
  });
  return {
    enabled: merged.enabled,
    windowsMs,
    ...(metrics === undefined ? {} : { metrics }),
    allowedLatenessMs: merged.allowed_lateness_ms,
    retention: { minAgeMs: durationMs(merged.retention.min_age), minWindows: merged.retention.min_windows },
    members: merged.members,
  };
}

/** How long windows of one size are kept after they end. */
export function retentionMs(settings: AggregateSettings, windowMs: number): number {
  return Math.max(settings.retention.minAgeMs, settings.retention.minWindows * windowMs);
}

/** The configured window sizes, readable ("10s, 1m, 1h"), for messages. */
export function describeWindows(windowsMs: number[]): string {
  return windowsMs.map((ms) => `${ms} (${formatDuration(ms)})`).join(', ');
}
