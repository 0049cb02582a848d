import type { HistogramSeries, Labels, Metrics } from './metrics.js';

/** The content type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Optional `# HELP` text per metric name. */
export type MetricHelp = Record<string, string>;

/**
 * Renders every series of `metrics` in the Prometheus text format. A name ending in `_total` is a
 * counter, anything else a gauge; histograms get `_bucket` (cumulative, with `le`), `_sum` and `_count`.
 */
export function renderPrometheus(metrics: Metrics, help: MetricHelp = {}): string {
  const lines: string[] = [];
  const byName = new Map<string, { labels: Labels; value: number }[]>();
  for (const s of metrics.snapshot()) {
    let list = byName.get(s.name);
    if (!list) byName.set(s.name, (list = []));
    list.push(s);
  }
  for (const name of [...byName.keys()].sort()) {
    header(lines, name, name.endsWith('_total') ? 'counter' : 'gauge', help[name]);
    for (const s of byName.get(name)!) lines.push(`${name}${labelText(s.labels)} ${numberText(s.value)}`);
  }
  const histograms = new Map<string, HistogramSeries[]>();
  for (const h of metrics.histogramSnapshot()) {
    let list = histograms.get(h.name);
    if (!list) histograms.set(h.name, (list = []));
    list.push(h);
  }
  for (const name of [...histograms.keys()].sort()) {
    header(lines, name, 'histogram', help[name]);
    for (const h of histograms.get(name)!) {
      let cumulative = 0;
      h.buckets.forEach((bound, i) => {
        cumulative += h.counts[i]!;
        lines.push(`${name}_bucket${labelText({ ...h.labels, le: numberText(bound) })} ${cumulative}`);
      });
      lines.push(`${name}_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`);
      lines.push(`${name}_sum${labelText(h.labels)} ${numberText(h.sum)}`);
      lines.push(`${name}_count${labelText(h.labels)} ${h.count}`);
    }
  }
  return lines.join('\n') + '\n';
}

function header(lines: string[], name: string, type: string, help: string | undefined): void {
  if (help !== undefined) lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
  lines.push(`# TYPE ${name} ${type}`);
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
