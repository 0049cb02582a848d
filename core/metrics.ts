/** Label set of a metric sample, e.g. `{ source: 'gps', reason: 'checksum' }`. */
export type Labels = Record<string, string>;

/** One counter series, resolved once (see `Metrics.counter`). */
export interface Counter {
  inc(amount?: number): void;
}

/** One gauge series, resolved once (see `Metrics.gauge`). */
export interface Gauge {
  set(value: number): void;
}

/** One histogram series, resolved once (see `Metrics.histogram`). */
export interface Histogram {
  observe(value: number): void;
}

/** Default buckets for latencies in seconds (1 ms .. 10 s). */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram's state: counts per bucket (`counts[i]` for values <= `buckets[i]`, the last one above all). */
export interface HistogramSeries {
  name: string;
  labels: Labels;
  buckets: number[];
  counts: number[];
  sum: number;
  count: number;
}

interface Series {
  name: string;
  labels: Labels;
  value: number;
}

/**
 * In-process counters and gauges, named `tributary_<area>_<name>_<unit>`.
 * Exposed as Prometheus text and in agent status heartbeats.
 */
export class Metrics {
  private readonly series = new Map<string, Series>();
  private readonly histograms = new Map<string, HistogramSeries>();

  /** A histogram bound to one label set (name ends in the unit, e.g. `_seconds`). */
  histogram(name: string, labels: Labels = {}, buckets: number[] = LATENCY_BUCKETS_S): Histogram {
    const k = seriesKey(name, labels);
    let h = this.histograms.get(k);
    if (!h) {
      h = { name, labels: { ...labels }, buckets: [...buckets], counts: new Array<number>(buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.histograms.set(k, h);
    }
    const series = h;
    return {
      observe: (value) => {
        let i = 0;
        while (i < series.buckets.length && value > series.buckets[i]!) i++;
        series.counts[i]!++;
        series.sum += value;
        series.count++;
      },
    };
  }

  /** All histograms (counts per bucket, not cumulative), for the /metrics endpoint. */
  histogramSnapshot(): HistogramSeries[] {
    return [...this.histograms.values()].map((h) => ({ ...h, labels: { ...h.labels }, buckets: [...h.buckets], counts: [...h.counts] }));
  }

  /** Adds `amount` to a counter. */
  inc(name: string, labels: Labels = {}, amount = 1): void {
    this.entry(name, labels).value += amount;
  }

  /** A counter bound to one label set, for per-record hot paths: `inc` skips the label lookup. */
  counter(name: string, labels: Labels = {}): Counter {
    const series = this.entry(name, labels);
    return {
      inc: (amount = 1) => {
        series.value += amount;
      },
    };
  }

  /** A gauge bound to one label set, for hot paths. */
  gauge(name: string, labels: Labels = {}): Gauge {
    const series = this.entry(name, labels);
    return {
      set: (value) => {
        series.value = value;
      },
    };
  }

  /** Sets a gauge. */
  set(name: string, labels: Labels, value: number): void {
    this.entry(name, labels).value = value;
  }

  /** Current value of one series (0 when never touched). */
  get(name: string, labels: Labels = {}): number {
    return this.series.get(seriesKey(name, labels))?.value ?? 0;
  }

  /** Sum of every series of a metric, whatever its labels. */
  total(name: string): number {
    let sum = 0;
    for (const s of this.series.values()) if (s.name === name) sum += s.value;
    return sum;
  }

  /** All series, for status reports and the /metrics endpoint. */
  snapshot(): Series[] {
    return [...this.series.values()].map((s) => ({ name: s.name, labels: { ...s.labels }, value: s.value }));
  }

  private entry(name: string, labels: Labels): Series {
    const k = seriesKey(name, labels);
    let s = this.series.get(k);
    if (!s) {
      s = { name, labels: { ...labels }, value: 0 };
      this.series.set(k, s);
    }
    return s;
  }
}

function seriesKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? name : `${name}{${keys.map((k) => `${k}=${labels[k]}`).join(',')}}`;
}
