/** Live data: one device metric's window statistics, loaded then extended by `aggregate` events; latest values beside. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatAge, formatCount, formatTime, formatValue } from '../components/format.js';
import { TimeChart, type ChartMode } from '../components/time-chart.js';
import { Table } from '../components/table.js';
import { liveEvents } from '../events.js';
import { useNow, usePoll, useStoredState } from '../hooks.js';
import { href, replaceHash } from '../router.js';
import type { LatestValue } from '../types.js';
import { MAX_CHART_POINTS, mergePoint, mergePoints, pointFromEvent, pointFromWindow, windowSizeMs, type SeriesSelection, type WindowPoint } from './live-series.js';

const SERIES_POLL_MS = 10_000;
const LATEST_POLL_MS = 2000;

function isChartMode(value: string): value is ChartMode {
  return value === 'band' || value === 'p95';
}

export function LiveView({ params }: { params: URLSearchParams }) {
  const seriesPoll = usePoll((signal) => api.series(signal), SERIES_POLL_MS, []);
  const [mode, setMode] = useStoredState<ChartMode>('tributary.chartMode', 'band', isChartMode);
  const catalog = seriesPoll.data;

  // The selection is in the URL (shareable, survives reload); missing parts default to the first available.
  const keys = useMemo(() => [...new Set((catalog?.series ?? []).map((s) => s.key))].sort(), [catalog]);
  const key = params.get('key') ?? keys[0] ?? '';
  const metrics = useMemo(() => (catalog?.series ?? []).filter((s) => s.key === key).map((s) => s.metric).sort(), [catalog, key]);
  const metric = params.get('metric') ?? metrics[0] ?? '';
  const windows = catalog?.windows ?? [];
  const windowName = params.get('window') ?? windows[0] ?? '';
  const windowMs = windowSizeMs(windowName);

  const select = (next: { key?: string; metric?: string; window?: string }) => {
    const nextKey = next.key ?? key;
    // A new device keeps the metric if it has it, else takes its first.
    const keyMetrics = (catalog?.series ?? []).filter((s) => s.key === nextKey).map((s) => s.metric).sort();
    const nextMetric = next.metric ?? (keyMetrics.includes(metric) ? metric : keyMetrics[0]);
    replaceHash(href('/live', { key: nextKey, metric: nextMetric, window: next.window ?? windowName }));
  };

  const selection: SeriesSelection | undefined = key !== '' && metric !== '' && windowMs !== undefined ? { key, metric, windowMs } : undefined;
  const { points, loadError } = useLivePoints(selection, windowName);
  const latest = usePoll((signal) => api.latest(key === '' ? undefined : key, signal), LATEST_POLL_MS, [key]);
  const now = useNow();
  const lastPoint = points[points.length - 1];

  return (
    <main class="view">
      <div class="view-head">
        <h1>Live data</h1>
        {seriesPoll.error !== undefined && <p class="error">Cannot load the series: {seriesPoll.error}</p>}
      </div>
      <div class="toolbar">
        <label>
          Device
          <select data-testid="live-key" value={key} onChange={(e) => select({ key: e.currentTarget.value })}>
            {keys.length === 0 && <option value="">(none yet)</option>}
            {!keys.includes(key) && key !== '' && <option value={key}>{key}</option>}
            {keys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Metric
          <select data-testid="live-metric" value={metric} onChange={(e) => select({ metric: e.currentTarget.value })}>
            {metrics.length === 0 && <option value="">(none)</option>}
            {!metrics.includes(metric) && metric !== '' && <option value={metric}>{metric}</option>}
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Window
          <select data-testid="live-window" value={windowName} onChange={(e) => select({ window: e.currentTarget.value })}>
            {windows.length === 0 && <option value="">(none)</option>}
            {!windows.includes(windowName) && windowName !== '' && <option value={windowName}>{windowName}</option>}
            {windows.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Show
          <select data-testid="live-mode" value={mode} onChange={(e) => setMode(isChartMode(e.currentTarget.value) ? e.currentTarget.value : 'band')}>
            <option value="band">mean with min–max band</option>
            <option value="p95">mean and p95</option>
          </select>
        </label>
      </div>

      <section class="chart-card">
        <div class="chart-head">
          <span>
            <strong>{metric || '–'}</strong> of <strong>{key || '–'}</strong> per {windowName || '–'} window
          </span>
          <span class="muted" data-testid="live-last-window">
            {lastPoint === undefined
              ? catalog !== undefined && catalog.series.length === 0
                ? 'No aggregates yet: they appear once the aggregator has windows.'
                : 'waiting for windows…'
              : `last window ${formatTime(lastPoint.start, now)} · mean ${formatValue(lastPoint.mean)} · ${formatCount(lastPoint.count)} values`}
          </span>
        </div>
        {loadError !== undefined && <p class="error">Cannot load the windows: {loadError}</p>}
        <TimeChart points={points} mode={mode} testId="live-chart" />
      </section>

      <section>
        <h2>Latest values{key !== '' && <span class="muted small"> of {key}</span>}</h2>
        {latest.error !== undefined && <p class="error">Cannot load latest values: {latest.error}</p>}
        <Table<LatestValue, string>
          testId="latest-table"
          columns={[
            { id: 'key', label: 'Device', cell: (v) => v.key },
            { id: 'metric', label: 'Metric', cell: (v) => v.metric },
            { id: 'value', label: 'Value', numeric: true, cell: (v) => formatValue(v.value), cellProps: (v) => ({ 'data-testid': 'latest-value', 'data-value': v.value }) },
            { id: 'ts', label: 'At', cell: (v) => formatAge(v.ts, now), cellProps: (v) => ({ title: formatTime(v.ts, now) }) },
          ]}
          rows={latest.data?.latest ?? []}
          rowKey={(v) => `${v.key}\u0000${v.metric}`}
          rowProps={(v) => ({
            'data-testid': 'latest-row',
            'data-key': v.key,
            'data-metric': v.metric,
            class: v.key === key && v.metric === metric ? 'selected clickable' : 'clickable',
            onClick: () => select({ key: v.key, metric: v.metric }),
          })}
          empty={latest.data === undefined ? 'Loading…' : 'No values yet.'}
        />
      </section>
    </main>
  );
}

/**
 * The chart's points for a selection: loaded by request, then merged with live `aggregate` events (asking the feed
 * for only this series). After the feed reconnects, the recent windows are loaded again to fill what it missed.
 */
function useLivePoints(selection: SeriesSelection | undefined, windowName: string): { points: readonly WindowPoint[]; loadError: string | undefined } {
  const [points, setPoints] = useState<readonly WindowPoint[]>([]);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [reloads, setReloads] = useState(0);
  const pointsRef = useRef(points);
  pointsRef.current = points;

  // Each (re)connect of the feed may have missed windows (and a new filter reconnects it): load the recent ones again.
  useEffect(() => liveEvents.onOpen(() => setReloads((n) => n + 1)), []);

  const selectionKey = selection === undefined ? '' : `${selection.key}\u0000${selection.metric}\u0000${windowName}`;
  const loadedKey = useRef('');

  useEffect(() => {
    if (selection === undefined) return;
    liveEvents.setAggregateFilter({ key: selection.key, metric: selection.metric, window: windowName });
    return () => liveEvents.setAggregateFilter(undefined);
    // selectionKey stands for selection and windowName.
  }, [selectionKey]);

  useEffect(() => {
    // A reload (after a reconnect) keeps the points and fetches from the last one; a new selection starts over.
    const reload = loadedKey.current === selectionKey;
    loadedKey.current = selectionKey;
    const kept = reload ? pointsRef.current : [];
    if (!reload) {
      setPoints([]);
      setLoadError(undefined);
    }
    if (selection === undefined) return;
    const controller = new AbortController();
    let loaded = false;
    // Events that arrive while the request runs are newer than its answer: apply them after it.
    const early: WindowPoint[] = [];
    const unsubscribe = liveEvents.onAggregate((event) => {
      const point = pointFromEvent(event, selection);
      if (point === undefined) return;
      if (loaded) setPoints((previous) => mergePoint(previous, point));
      else early.push(point);
    });
    const from = kept.length > 0 ? kept[kept.length - 1]!.start - selection.windowMs : Date.now() - selection.windowMs * MAX_CHART_POINTS;
    api
      .aggregates({ key: selection.key, metric: selection.metric, window: windowName, from: Math.max(0, Math.floor(from)) }, controller.signal)
      .then((body) => {
        if (controller.signal.aborted) return;
        setPoints((previous) => mergePoints(mergePoints(previous, body.windows.map(pointFromWindow)), early));
        setLoadError(undefined);
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setLoadError(error instanceof Error ? error.message : String(error));
        setPoints((previous) => mergePoints(previous, early));
      })
      .finally(() => {
        loaded = true;
      });
    return () => {
      controller.abort();
      unsubscribe();
    };
  }, [selectionKey, reloads]);

  return { points, loadError };
}
