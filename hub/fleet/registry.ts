import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { AgentStatusReport, StatusMessage } from '../../core/status.js';
import type { AgentCredential } from '../credentials/store.js';
import { SampleHistory, ratesBetween, type RateSample, type Rates } from './history.js';
import { AGENT_STATES, summarize, type AgentDetail, type AgentState, type AgentSummary, type OfflineReason } from './summary.js';

/** Reports an agent may miss before it is marked offline (`heartbeat_timeout`). */
export const MISSED_INTERVALS = 3;

/** Offline reasons the hub inferred, as opposed to ones the agent sent. */
const INFERRED: ReadonlySet<OfflineReason> = new Set(['disconnected', 'heartbeat_timeout']);

/** Where a status message came from: the broker connection that delivered it. */
export interface StatusContext {
  connectionId?: number;
}

/** An agent's broker connection, as the broker reports connects and disconnects. */
export interface AgentConnection {
  agentId: string;
  connectionId: number;
}

export interface FleetRegistryOptions {
  /** Registered agents (the credential store). */
  credentials: { list(): AgentCredential[] };
  metrics: Metrics;
  logger: Logger;
  /** Hub clock (tests). */
  now?: () => number;
  /** How often silent agents are looked for (ms); 0 = never (tests call `checkHeartbeats`). Default 1000. */
  checkIntervalMs?: number;
}

interface AgentEntry {
  id: string;
  report?: AgentStatusReport;
  flowYaml?: string;
  /** Hub clock of the last status message. */
  lastSeen: number;
  online: boolean;
  offlineReason?: OfflineReason;
  intervalMs: number;
  rates: Rates | null;
  history: SampleHistory<RateSample>;
  /** The connection that delivered the last status message. */
  connectionId?: number;
}

/**
 * The hub's view of its fleet: the latest status report of every agent, rates derived from
 * consecutive reports, a short history for sparklines, and online/offline state. An agent goes offline
 * on its offline notice (last will or goodbye), when the broker sees its reporting connection close,
 * or after 3 missed report intervals; its next report brings it back online.
 */
export class FleetRegistry {
  private readonly agents = new Map<string, AgentEntry>();
  /** Open broker connections per agent. */
  private readonly connections = new Map<string, Set<number>>();
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private registered: AgentCredential[] = [];

  constructor(private readonly options: FleetRegistryOptions) {
    this.now = options.now ?? Date.now;
    const interval = options.checkIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => this.checkHeartbeats(), interval);
      this.timer.unref();
    }
  }

  /** Stops the heartbeat check. */
  close(): void {
    clearInterval(this.timer);
  }

  /** Takes a parsed status message of an agent (a report, or an offline notice). */
  onStatus(agentId: string, message: StatusMessage, context: StatusContext = {}): void {
    const now = this.now();
    const m = this.options.metrics;
    let entry = this.agents.get(agentId);
    if (!message.online) {
      // A will of a connection the agent already replaced (it reconnected before the hub saw the old one die) says nothing.
      if (entry !== undefined && context.connectionId !== undefined && entry.connectionId !== undefined && entry.connectionId !== context.connectionId && this.isOpen(agentId, entry.connectionId)) {
        m.inc('tributary_hub_status_messages_total', { kind: 'stale_offline' });
        return;
      }
      m.inc('tributary_hub_status_messages_total', { kind: 'offline' });
      if (entry === undefined) {
        entry = this.newEntry(agentId, message.intervalMs);
        this.agents.set(agentId, entry);
      }
      entry.lastSeen = now;
      if (context.connectionId !== undefined) entry.connectionId = context.connectionId;
      this.markOffline(entry, message.reason);
      return;
    }
    m.inc('tributary_hub_status_messages_total', { kind: 'report' });
    if (entry === undefined) {
      entry = this.newEntry(agentId, message.intervalMs);
      this.agents.set(agentId, entry);
    }
    const previous = entry.report;
    const rates = previous === undefined ? undefined : ratesBetween(previous, message);
    entry.rates = rates ?? null;
    if (rates !== undefined) {
      entry.history.push({ ts: now, in: rates.in, out: rates.out, bufferRecords: message.buffer.partitions.reduce((sum, p) => sum + p.records, 0), lagRecords: message.forward.lagRecords });
    }
    entry.report = message;
    if (message.flowYaml !== undefined) entry.flowYaml = message.flowYaml;
    entry.lastSeen = now;
    entry.intervalMs = message.intervalMs;
    if (context.connectionId !== undefined) entry.connectionId = context.connectionId;
    if (!entry.online) this.options.logger.info({ agent: agentId, was: entry.offlineReason }, `agent ${agentId} is online`);
    entry.online = true;
    delete entry.offlineReason;
  }

  /** The broker accepted a connection of the agent. */
  connected(connection: AgentConnection): void {
    let open = this.connections.get(connection.agentId);
    if (open === undefined) this.connections.set(connection.agentId, (open = new Set()));
    open.add(connection.connectionId);
  }

  /** The broker saw a connection of the agent close: offline at once when it was the one reporting. */
  disconnected(connection: AgentConnection): void {
    const open = this.connections.get(connection.agentId);
    open?.delete(connection.connectionId);
    if (open?.size === 0) this.connections.delete(connection.agentId);
    const entry = this.agents.get(connection.agentId);
    if (entry === undefined || !entry.online || entry.connectionId !== connection.connectionId) return;
    this.markOffline(entry, 'disconnected');
  }

  /** Marks offline every online agent silent for 3 report intervals. */
  checkHeartbeats(now = this.now()): void {
    for (const entry of this.agents.values()) {
      if (entry.online && now - entry.lastSeen > MISSED_INTERVALS * entry.intervalMs) this.markOffline(entry, 'heartbeat_timeout');
    }
  }

  /** Every registered or seen agent, by id. */
  summaries(): AgentSummary[] {
    const registered = this.registeredAgents();
    const ids = new Set([...registered.keys(), ...this.agents.keys()]);
    return [...ids].sort().map((id) => this.summaryOf(id, registered.get(id)));
  }

  /** One agent's summary, recent errors, flow and history; undefined for an agent neither registered nor seen. */
  detail(agentId: string): AgentDetail | undefined {
    const credential = this.registeredAgents().get(agentId);
    const entry = this.agents.get(agentId);
    if (credential === undefined && entry === undefined) return undefined;
    return {
      agent: this.summaryOf(agentId, credential),
      errors: entry?.report?.errors ?? [],
      flowYaml: entry?.flowYaml ?? null,
      history: entry?.history.toArray() ?? [],
    };
  }

  /** Sets `tributary_hub_agents{state}` and returns the counts. */
  refreshMetrics(): Record<AgentState, number> {
    const counts = Object.fromEntries(AGENT_STATES.map((state) => [state, 0])) as Record<AgentState, number>;
    for (const summary of this.summaries()) counts[summary.state] += 1;
    for (const state of AGENT_STATES) this.options.metrics.set('tributary_hub_agents', { state }, counts[state]);
    return counts;
  }

  private summaryOf(id: string, credential: AgentCredential | undefined): AgentSummary {
    const entry = this.agents.get(id);
    const state: AgentState = credential?.revokedAt !== undefined ? 'revoked' : entry === undefined ? 'never_seen' : entry.online ? 'online' : 'offline';
    return summarize({
      id,
      state,
      lastSeen: entry?.lastSeen ?? null,
      rates: entry?.rates ?? null,
      ...(entry?.report === undefined ? {} : { report: entry.report }),
      ...(entry?.offlineReason === undefined ? {} : { offlineReason: entry.offlineReason }),
    });
  }

  /** Registered agents by id; the last list read when the credentials file cannot be read now. */
  private registeredAgents(): Map<string, AgentCredential> {
    try {
      this.registered = this.options.credentials.list();
    } catch (error) {
      this.options.metrics.inc('tributary_hub_fleet_errors_total', { reason: 'credentials' });
      this.options.logger.warn({ err: error }, 'fleet: cannot read the registered agents; showing the last list read');
    }
    return new Map(this.registered.map((agent) => [agent.agentId, agent]));
  }

  private newEntry(id: string, intervalMs: number): AgentEntry {
    return { id, lastSeen: this.now(), online: false, intervalMs, rates: null, history: new SampleHistory() };
  }

  private markOffline(entry: AgentEntry, reason: OfflineReason): void {
    // What the agent said (goodbye, last will) beats what the hub inferred (closed socket, silence); otherwise the first reason stands.
    if (!entry.online && entry.offlineReason !== undefined && !(INFERRED.has(entry.offlineReason) && !INFERRED.has(reason))) return;
    if (entry.online) this.options.logger.info({ agent: entry.id, reason }, `agent ${entry.id} is offline (${reason})`);
    entry.online = false;
    entry.offlineReason = reason;
    entry.rates = null;
  }

  private isOpen(agentId: string, connectionId: number): boolean {
    return this.connections.get(agentId)?.has(connectionId) ?? false;
  }
}
