/** The fleet table's columns, filter and sort, apart from the DOM so they can be tested under Node. */
import { sortRows, type SortDirection, type SortState, type SortValue } from '../components/sort.js';
import type { AgentState, AgentSummary, SourceState } from '../types.js';

export const FLEET_COLUMNS = [
  'state',
  'id',
  'last-seen',
  'version',
  'flow',
  'buffer-records',
  'buffer-bytes',
  'lag-records',
  'lag-seconds',
  'rate-in',
  'rate-out',
  'in-total',
  'forwarded-total',
  'drops',
  'errors',
  'sources',
] as const;

export type FleetColumn = (typeof FLEET_COLUMNS)[number];

export interface FleetFilter {
  /** Words that must all appear in the agent's id, version, flow, state, offline reason or source ids/states. */
  text: string;
  /** `all` or one state. */
  state: AgentState | 'all';
}

/** Rank of a state when sorting by state: the ones needing attention first. */
const STATE_RANK: Record<AgentState, number> = { offline: 0, online: 1, never_seen: 2, revoked: 3 };

/** Rank of a source state: worst first, so "sort by sources" surfaces broken sensors. */
const SOURCE_RANK: Record<SourceState, number> = { error: 0, stalled: 1, reconnecting: 2, connecting: 3, stopped: 4, ok: 5 };

/** The value an agent sorts by in a column. */
export function fleetSortValue(agent: AgentSummary, column: FleetColumn): SortValue {
  switch (column) {
    case 'state':
      return STATE_RANK[agent.state] ?? 9;
    case 'id':
      return agent.id;
    case 'last-seen':
      return agent.lastSeen;
    case 'version':
      return agent.version;
    case 'flow':
      return agent.flow === null ? null : `${agent.flow.name} ${agent.flow.version}`;
    case 'buffer-records':
      return agent.buffer?.records;
    case 'buffer-bytes':
      return agent.buffer?.bytes;
    case 'lag-records':
      return agent.lag?.records;
    case 'lag-seconds':
      return agent.lag?.seconds;
    case 'rate-in':
      return agent.rates?.in;
    case 'rate-out':
      return agent.rates?.out;
    case 'in-total':
      return agent.totals?.in;
    case 'forwarded-total':
      return agent.totals?.forwarded;
    case 'drops':
      return agent.dropsTotal;
    case 'errors':
      return agent.errorsTotal;
    case 'sources':
      return agent.sources.length === 0 ? null : Math.min(...agent.sources.map((s) => SOURCE_RANK[s.state] ?? 9));
  }
}

/** The direction a column starts in when first clicked: big numbers and recent times first, names A to Z. */
export function fleetInitialDirection(column: FleetColumn): SortDirection {
  return column === 'id' || column === 'version' || column === 'flow' || column === 'state' || column === 'sources' ? 'asc' : 'desc';
}

/** Whether an agent passes the filter (case-insensitive; every word must match somewhere). */
export function matchesFleetFilter(agent: AgentSummary, filter: FleetFilter): boolean {
  if (filter.state !== 'all' && agent.state !== filter.state) return false;
  const words = filter.text.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return true;
  const haystack = [
    agent.id,
    agent.state,
    agent.offlineReason ?? '',
    agent.version ?? '',
    agent.flow?.name ?? '',
    agent.flow?.version ?? '',
    agent.forwardState ?? '',
    ...agent.sources.flatMap((s) => [s.id, s.type, s.state]),
  ]
    .join(' ')
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** The rows the fleet table shows: filtered, then sorted (ties by id, so rows do not jump between updates). */
export function fleetRows(agents: readonly AgentSummary[], filter: FleetFilter, sort: SortState<FleetColumn>): AgentSummary[] {
  const kept = agents.filter((agent) => matchesFleetFilter(agent, filter));
  return sortRows(kept, (agent) => fleetSortValue(agent, sort.column), sort.direction, (agent) => agent.id);
}

/** Counts per state, for the summary line above the table. */
export function countByState(agents: readonly AgentSummary[]): Record<AgentState, number> {
  const counts: Record<AgentState, number> = { online: 0, offline: 0, never_seen: 0, revoked: 0 };
  for (const agent of agents) if (agent.state in counts) counts[agent.state]++;
  return counts;
}

/** Parses a column name from a URL or storage; undefined when it is not one. */
export function fleetColumn(name: string | null | undefined): FleetColumn | undefined {
  return FLEET_COLUMNS.find((column) => column === name);
}
