import type { ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { durationMs, formatDuration } from '../aggregate/duration.js';
import type { AggregateEvent } from '../aggregate/results.js';
import type { AggregateListener, AggregateUpdate } from '../aggregate/updates.js';
import type { FleetRegistry } from '../fleet/registry.js';
import { ApiError, badParameter } from './errors.js';
import type { ApiServer } from './server.js';

/** A client that has this much unsent data is too slow for the feed: its stream is closed (EventSource reconnects). */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Live feeds open at once (a dashboard tab holds one); past it a new one is refused, so feeds cannot pile up without bound. */
export const MAX_EVENT_STREAMS = 100;

export interface EventRouteOptions {
  fleet: FleetRegistry;
  /** Subscribes to the aggregator's committed windows; returns the unsubscribe function. */
  onAggregates(listener: AggregateListener): () => void;
  /** The configured window sizes (ms): a `window` filter must be one of them. */
  windowsMs: readonly number[];
  metrics: Metrics;
  logger: Logger;
  /** How often the fleet is sent (ms); default 1000. */
  fleetIntervalMs?: number;
  /** How often an idle stream gets a comment, so proxies keep it open (ms); default 15000. */
  pingIntervalMs?: number;
  /** Streams open at once; default MAX_EVENT_STREAMS. */
  maxStreams?: number;
}

interface Filter {
  key?: string;
  metric?: string;
  windowMs?: number;
}

/**
 * Adds GET /v1/events, the dashboard's live feed (server-sent events): `fleet` once at connect and
 * every second, `aggregate` for each window the aggregator commits (filtered by `key`, `metric`,
 * `window`), a `: ping` comment every 15 s. Streams end when the client goes or the server closes;
 * at most `maxStreams` are open at once (503 ERR_API_TOO_MANY_STREAMS past it).
 */
export function addEventRoutes(server: ApiServer, options: EventRouteOptions): void {
  let clients = 0;
  const maxStreams = options.maxStreams ?? MAX_EVENT_STREAMS;
  server.route('GET', '/v1/events', (req) => {
    const filter = parseFilter(req.query, options.windowsMs);
    if (clients >= maxStreams) {
      options.metrics.inc('tributary_api_sse_refused_total');
      throw new ApiError(503, 'ERR_API_TOO_MANY_STREAMS', `${clients} live feeds are open, the most the hub serves at once: close dashboard tabs you do not use, then reload`);
    }
    return {
      stream: (res) => {
        clients += 1;
        options.metrics.set('tributary_api_sse_clients', {}, clients);
        openStream(res, req.signal, filter, options, () => {
          clients -= 1;
          options.metrics.set('tributary_api_sse_clients', {}, clients);
        });
      },
    };
  });
}

function parseFilter(query: URLSearchParams, windowsMs: readonly number[]): Filter {
  const filter: Filter = {};
  for (const name of ['key', 'metric'] as const) {
    const value = query.get(name);
    if (value === null) continue;
    if (value === '') throw badParameter(`${name} must not be empty (leave it out for every ${name})`);
    filter[name] = value;
  }
  const window = query.get('window');
  if (window !== null) {
    let ms: number | undefined;
    try {
      ms = /^[0-9]+$/.test(window) ? Number(window) : durationMs(window);
    } catch {
      ms = undefined;
    }
    if (ms === undefined || !windowsMs.includes(ms)) throw badParameter(`window ${JSON.stringify(window)} is not an aggregated window size: use one of ${windowsMs.map(formatDuration).join(', ')}`);
    filter.windowMs = ms;
  }
  return filter;
}

function openStream(res: ServerResponse, signal: AbortSignal, filter: Filter, options: EventRouteOptions, onEnd: () => void): void {
  // Connection: close, so ending the stream (server shutdown) also closes the socket at once.
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close', 'X-Accel-Buffering': 'no' });
  let ended = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};
  const end = () => {
    if (ended) return;
    ended = true;
    for (const timer of timers) clearInterval(timer);
    unsubscribe();
    signal.removeEventListener('abort', end);
    res.end();
    onEnd();
  };
  const write = (text: string) => {
    if (ended) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      options.metrics.inc('tributary_api_sse_closed_total', { reason: 'slow_client' });
      options.logger.warn({ buffered: res.writableLength }, 'live feed: closed the stream of a client that does not keep up');
      end();
      return;
    }
    res.write(text);
  };
  const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const sendFleet = () => {
    try {
      send('fleet', { agents: options.fleet.summaries() });
    } catch (error) {
      options.metrics.inc('tributary_hub_fleet_errors_total', { reason: 'summary' });
      options.logger.error({ err: error }, 'live feed: could not summarize the fleet');
    }
  };
  signal.addEventListener('abort', end);
  if (signal.aborted) return end();
  write('retry: 3000\n\n');
  sendFleet();
  unsubscribe = options.onAggregates((updates) => {
    for (const update of updates) if (matches(update, filter)) send('aggregate', eventOf(update));
  });
  timers.push(setInterval(sendFleet, options.fleetIntervalMs ?? 1000), setInterval(() => write(': ping\n\n'), options.pingIntervalMs ?? 15_000));
  // The streams end with the server (the abort signal); they never hold the process open by themselves.
  for (const timer of timers) timer.unref();
}

function matches(update: AggregateUpdate, filter: Filter): boolean {
  return (filter.key === undefined || update.key === filter.key) && (filter.metric === undefined || update.metric === filter.metric) && (filter.windowMs === undefined || update.windowMs === filter.windowMs);
}

function eventOf(u: AggregateUpdate): AggregateEvent {
  return { key: u.key, metric: u.metric, window: u.window, start: u.start, count: u.count, min: u.min, max: u.max, mean: u.mean, last: u.last, p50: u.p50, p95: u.p95 };
}
