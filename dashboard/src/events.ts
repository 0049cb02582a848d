/**
 * The hub's live feed (`GET /v1/events`, server-sent events) for the whole page: one EventSource, reopened with
 * backoff when the hub drops it, a watchdog for a connection that went silent (a sleeping laptop, a proxy), and a
 * session check when the hub refuses it (401 sends the page to the login form).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, goToLogin } from './api.js';
import type { AgentSummary, AggregateEvent, FleetEvent } from './types.js';

/** `live`: events are flowing; `reconnecting`: waiting for the hub (also before the first connect); `stopped`: not wanted (logged out). */
export type ConnectionState = 'live' | 'reconnecting' | 'stopped';

export interface AggregateFilter {
  key: string;
  metric: string;
  window: string;
}

/** The hub sends `fleet` every second: this long without any event means the connection is dead even if the socket is not. */
const SILENCE_LIMIT_MS = 15_000;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

type Listener<T> = (value: T) => void;

export class LiveEvents {
  private source: EventSource | undefined;
  private wanted = false;
  private currentState: ConnectionState = 'stopped';
  private filter: AggregateFilter | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastEventAt = 0;
  private fleet: AgentSummary[] | undefined;
  private readonly stateListeners = new Set<Listener<ConnectionState>>();
  private readonly fleetListeners = new Set<Listener<AgentSummary[]>>();
  private readonly aggregateListeners = new Set<Listener<AggregateEvent>>();
  private readonly openListeners = new Set<Listener<void>>();

  constructor(private readonly url: string) {}

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The agents of the latest `fleet` event (or of a `GET /v1/agents` handed to `seedFleet`). */
  get latestFleet(): AgentSummary[] | undefined {
    return this.fleet;
  }

  /** Opens the feed (after a login) and keeps it open until `stop`. */
  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.retryMs = FIRST_RETRY_MS;
    this.open();
    this.watchdog = setInterval(() => this.checkSilence(), 1000);
  }

  /** Closes the feed for good (logout). */
  stop(): void {
    this.wanted = false;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.close();
    this.fleet = undefined;
    this.setState('stopped');
  }

  /** Asks the hub for only one series' `aggregate` events (the live chart), or all of them again with undefined. */
  setAggregateFilter(filter: AggregateFilter | undefined): void {
    if (sameFilter(filter, this.filter)) return;
    this.filter = filter;
    if (this.wanted) {
      this.close();
      this.open();
    }
  }

  /** Shows agents fetched by a plain request until the first `fleet` event arrives. */
  seedFleet(agents: AgentSummary[]): void {
    if (this.fleet !== undefined && this.currentState === 'live') return;
    this.publishFleet(agents);
  }

  onState(listener: Listener<ConnectionState>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onFleet(listener: Listener<AgentSummary[]>): () => void {
    this.fleetListeners.add(listener);
    return () => this.fleetListeners.delete(listener);
  }

  /** Called on every (re)connect: events sent while the feed was down are lost, so listeners reload what they show. */
  onOpen(listener: Listener<void>): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  onAggregate(listener: Listener<AggregateEvent>): () => void {
    this.aggregateListeners.add(listener);
    return () => this.aggregateListeners.delete(listener);
  }

  private open(): void {
    clearTimeout(this.retryTimer);
    const query = this.filter === undefined ? '' : `?${new URLSearchParams({ key: this.filter.key, metric: this.filter.metric, window: this.filter.window }).toString()}`;
    const source = new EventSource(`${this.url}${query}`, { withCredentials: true });
    this.source = source;
    this.lastEventAt = Date.now();
    if (this.currentState !== 'live') this.setState('reconnecting');
    source.onopen = () => {
      this.lastEventAt = Date.now();
      this.retryMs = FIRST_RETRY_MS;
      this.setState('live');
      for (const listener of this.openListeners) listener();
    };
    source.onerror = () => {
      if (this.source !== source) return;
      this.setState('reconnecting');
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error such as 401): find out why.
      if (source.readyState === EventSource.CLOSED) {
        this.close();
        void this.recover();
      }
    };
    source.addEventListener('fleet', (event) => {
      this.lastEventAt = Date.now();
      if (this.currentState !== 'live') this.setState('live');
      const data = parse<FleetEvent>(event);
      if (data !== undefined && Array.isArray(data.agents)) this.publishFleet(data.agents);
    });
    source.addEventListener('aggregate', (event) => {
      this.lastEventAt = Date.now();
      const data = parse<AggregateEvent>(event);
      if (data !== undefined) for (const listener of this.aggregateListeners) listener(data);
    });
  }

  private async recover(): Promise<void> {
    try {
      const session = await api.session();
      if (!this.wanted) return;
      if (!session.authenticated) {
        this.stop();
        goToLogin();
        return;
      }
    } catch {
      // The hub is down: keep retrying below.
    }
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (!this.wanted) return;
    clearTimeout(this.retryTimer);
    // Full jitter, so a hub restart is not met by every open dashboard at the same instant.
    const delay = Math.round(this.retryMs / 2 + (Math.random() * this.retryMs) / 2);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      if (this.wanted) this.open();
    }, delay);
  }

  private checkSilence(): void {
    if (!this.wanted || this.source === undefined) return;
    if (Date.now() - this.lastEventAt < SILENCE_LIMIT_MS) return;
    this.close();
    this.setState('reconnecting');
    this.scheduleReopen();
  }

  private close(): void {
    if (this.source === undefined) return;
    this.source.onopen = null;
    this.source.onerror = null;
    this.source.close();
    this.source = undefined;
  }

  private publishFleet(agents: AgentSummary[]): void {
    this.fleet = agents;
    for (const listener of this.fleetListeners) listener(agents);
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

function parse<T>(event: Event): T | undefined {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch (error) {
    console.warn('live feed: ignoring an event that is not JSON', error);
    return undefined;
  }
}

function sameFilter(a: AggregateFilter | undefined, b: AggregateFilter | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.key === b.key && a.metric === b.metric && a.window === b.window;
}

/** The page's one live feed. */
export const liveEvents = new LiveEvents('v1/events');

/** The feed's connection state, re-rendering on change. */
export function useConnectionState(events: LiveEvents = liveEvents): ConnectionState {
  const [state, setState] = useState(events.state);
  useEffect(() => {
    setState(events.state);
    return events.onState(setState);
  }, [events]);
  return state;
}

/** The latest fleet, re-rendering on every `fleet` event; fetched once by request so the page has rows before the feed connects. */
export function useFleet(events: LiveEvents = liveEvents): { agents: AgentSummary[] | undefined; error: string | undefined } {
  const [agents, setAgents] = useState(events.latestFleet);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const unsubscribe = events.onFleet((next) => {
      setAgents(next);
      setError(undefined);
    });
    if (events.latestFleet === undefined) {
      const controller = new AbortController();
      api
        .agents(controller.signal)
        .then((body) => events.seedFleet(body.agents))
        .catch((e: unknown) => {
          if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
        });
      return () => {
        controller.abort();
        unsubscribe();
      };
    }
    return unsubscribe;
  }, [events]);
  return { agents, error };
}
