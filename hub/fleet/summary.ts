import type { AgentStatusReport, BufferPartitionStatus, RecentError, SourceHealth } from '../../core/status.js';
import type { RateSample, Rates } from './history.js';

export type AgentState = 'online' | 'offline' | 'never_seen' | 'revoked';
export const AGENT_STATES: readonly AgentState[] = ['online', 'offline', 'never_seen', 'revoked'];

/** Why an agent is offline: its goodbye (`shutdown`), its last will (`connection_lost`), silence, or the broker seeing its connection close. */
export type OfflineReason = 'shutdown' | 'connection_lost' | 'heartbeat_timeout' | 'disconnected';

/** One row of the dashboard's fleet table (docs/hub.md, GET /v1/agents). */
export interface AgentSummary {
  id: string;
  state: AgentState;
  offlineReason?: OfflineReason;
  /** Hub clock (ms) of the agent's last status message. */
  lastSeen: number | null;
  version: string | null;
  flow: { name: string; version: string } | null;
  buffer: { records: number; bytes: number; partitions: BufferPartitionStatus[] } | null;
  lag: { records: number; seconds: number } | null;
  /** Records/s over the last two reports; null until two comparable reports came, and while offline. */
  rates: Rates | null;
  totals: AgentStatusReport['totals'] | null;
  drops: Record<string, number>;
  dropsTotal: number;
  errorsTotal: number;
  sources: SourceHealth[];
  forwardState: string | null;
}

/** GET /v1/agents/:id. */
export interface AgentDetail {
  agent: AgentSummary;
  errors: RecentError[];
  flowYaml: string | null;
  /** The last reports' rates, oldest first. */
  history: RateSample[];
}

/** What the registry knows of one agent. */
export interface AgentView {
  id: string;
  state: AgentState;
  offlineReason?: OfflineReason;
  lastSeen: number | null;
  report?: AgentStatusReport;
  rates: Rates | null;
}

/** The summary row of an agent (a never-seen one has nulls and empty lists). */
export function summarize(view: AgentView): AgentSummary {
  const report = view.report;
  const summary: AgentSummary = {
    id: view.id,
    state: view.state,
    lastSeen: view.lastSeen,
    version: report?.agentVersion ?? null,
    flow: report ? { name: report.flow.name, version: report.flow.version } : null,
    buffer: report ? bufferOf(report) : null,
    lag: report ? { records: report.forward.lagRecords, seconds: report.forward.lagSeconds } : null,
    rates: view.state === 'online' ? view.rates : null,
    totals: report ? { ...report.totals } : null,
    drops: report ? { ...report.drops } : {},
    dropsTotal: report ? Object.values(report.drops).reduce((sum, n) => sum + (Number.isFinite(n) ? n : 0), 0) : 0,
    errorsTotal: report?.totals.errors ?? 0,
    sources: report ? report.sources : [],
    forwardState: report?.forward.state ?? null,
  };
  if (view.offlineReason !== undefined && view.state === 'offline') summary.offlineReason = view.offlineReason;
  return summary;
}

function bufferOf(report: AgentStatusReport): AgentSummary['buffer'] {
  const partitions = Array.isArray(report.buffer.partitions) ? report.buffer.partitions : [];
  return {
    records: partitions.reduce((sum, p) => sum + p.records, 0),
    bytes: partitions.reduce((sum, p) => sum + p.bytes, 0),
    partitions,
  };
}
