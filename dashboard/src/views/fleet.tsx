/** Fleet: every agent in one sortable, filterable table, live from the `fleet` event. */
import { useMemo, useState } from 'preact/hooks';
import { formatAge, formatBytes, formatCount, formatRate, formatSeconds, formatTime } from '../components/format.js';
import { nextSort, type SortState } from '../components/sort.js';
import { offlineReasonLabel, SourceDots, StateBadge } from '../components/state-badge.js';
import { Table, type Column } from '../components/table.js';
import { useFleet } from '../events.js';
import { useNow } from '../hooks.js';
import { agentHref, href, replaceHash } from '../router.js';
import { AGENT_STATES, type AgentState, type AgentSummary } from '../types.js';
import { countByState, fleetColumn, fleetInitialDirection, fleetRows, type FleetColumn, type FleetFilter } from './fleet-rows.js';

const DEFAULT_SORT: SortState<FleetColumn> = { column: 'state', direction: 'asc' };

function isStateFilter(value: string | null): value is AgentState | 'all' {
  return value === 'all' || AGENT_STATES.includes(value as AgentState);
}

export function FleetView({ params }: { params: URLSearchParams }) {
  const { agents, error } = useFleet();
  const now = useNow();
  const [filter, setFilter] = useState<FleetFilter>(() => {
    const state = params.get('state');
    return { text: params.get('q') ?? '', state: isStateFilter(state) ? state : 'all' };
  });
  const [sort, setSort] = useState<SortState<FleetColumn>>(() => {
    const column = fleetColumn(params.get('sort'));
    const direction = params.get('dir');
    return column === undefined ? DEFAULT_SORT : { column, direction: direction === 'desc' ? 'desc' : direction === 'asc' ? 'asc' : fleetInitialDirection(column) };
  });

  // Filters and sort live in the URL so a wall screen can be pointed at "#/fleet?state=offline".
  const remember = (nextFilter: FleetFilter, nextSort: SortState<FleetColumn>) => {
    replaceHash(
      href('/fleet', {
        q: nextFilter.text.trim() === '' ? undefined : nextFilter.text,
        state: nextFilter.state === 'all' ? undefined : nextFilter.state,
        sort: nextSort.column === DEFAULT_SORT.column && nextSort.direction === DEFAULT_SORT.direction ? undefined : nextSort.column,
        dir: nextSort.column === DEFAULT_SORT.column && nextSort.direction === DEFAULT_SORT.direction ? undefined : nextSort.direction,
      }),
    );
  };
  const updateFilter = (next: FleetFilter) => {
    setFilter(next);
    remember(next, sort);
  };
  const onSort = (column: FleetColumn) => {
    const next = nextSort(sort, column, fleetInitialDirection(column));
    setSort(next);
    remember(filter, next);
  };

  const rows = useMemo(() => fleetRows(agents ?? [], filter, sort), [agents, filter, sort]);
  const counts = useMemo(() => countByState(agents ?? []), [agents]);
  const columns = useMemo(() => fleetColumns(now), [now]);

  return (
    <main class="view">
      <div class="view-head">
        <h1>Fleet</h1>
        <p class="summary" data-testid="fleet-summary">
          {agents === undefined ? (
            'loading…'
          ) : (
            <>
              <strong>{agents.length}</strong> agents · <span class="tone-text-good">{counts.online} online</span> ·{' '}
              <span class={counts.offline > 0 ? 'tone-text-bad' : undefined}>{counts.offline} offline</span>
              {counts.never_seen > 0 && <> · {counts.never_seen} never seen</>}
              {counts.revoked > 0 && <> · {counts.revoked} revoked</>}
            </>
          )}
        </p>
      </div>
      <div class="toolbar">
        <input
          type="search"
          class="filter"
          placeholder="Filter by id, version, flow, source…"
          aria-label="Filter agents"
          data-testid="fleet-filter"
          value={filter.text}
          onInput={(e) => updateFilter({ ...filter, text: e.currentTarget.value })}
        />
        <select aria-label="State" data-testid="fleet-state-filter" value={filter.state} onChange={(e) => updateFilter({ ...filter, state: e.currentTarget.value as FleetFilter['state'] })}>
          <option value="all">all states</option>
          {AGENT_STATES.map((state) => (
            <option key={state} value={state}>
              {state.replace('_', ' ')} ({counts[state]})
            </option>
          ))}
        </select>
        {agents !== undefined && rows.length !== agents.length && (
          <span class="muted">
            showing {rows.length} of {agents.length}
          </span>
        )}
      </div>
      {error !== undefined && agents === undefined && <p class="error">Cannot load the fleet: {error}</p>}
      <Table
        testId="fleet-table"
        class="fleet"
        scroll
        columns={columns}
        rows={rows}
        rowKey={(agent) => agent.id}
        rowProps={(agent) => ({ 'data-testid': 'agent-row', 'data-agent-id': agent.id, 'data-state': agent.state, class: `state-${agent.state}` })}
        sort={sort}
        onSort={onSort}
        rowSignature={(agent) => `${formatAge(agent.lastSeen, now)}\u0000${signatureOf(agent)}`}
        empty={agents === undefined ? 'Loading…' : agents.length === 0 ? 'No agents registered or seen yet.' : 'No agent matches the filter.'}
      />
    </main>
  );
}

function fleetColumns(now: number): Column<AgentSummary, FleetColumn>[] {
  const numberCell = (testId: string | undefined, value: (a: AgentSummary) => number | null | undefined) => (agent: AgentSummary) => {
    const v = value(agent);
    return { 'data-testid': testId, 'data-value': v === null || v === undefined ? undefined : v };
  };
  return [
    { id: 'state', label: 'State', cell: (a) => <StateBadge state={a.state} reason={a.offlineReason} />, cellProps: (a) => ({ title: a.state === 'offline' ? offlineReasonLabel(a.offlineReason) : undefined }) },
    {
      id: 'id',
      label: 'Agent',
      cell: (a) => (
        <a href={agentHref(a.id)} class="agent-link">
          {a.id}
        </a>
      ),
      cellProps: () => ({ 'data-testid': 'agent-id' }),
    },
    { id: 'last-seen', label: 'Last seen', cell: (a) => formatAge(a.lastSeen, now), cellProps: (a) => ({ title: a.lastSeen === null ? 'never' : formatTime(a.lastSeen, now), 'data-value': a.lastSeen ?? undefined }) },
    { id: 'version', label: 'Version', cell: (a) => a.version ?? '–', cellProps: () => ({ 'data-testid': 'agent-version' }) },
    { id: 'flow', label: 'Flow', cell: (a) => (a.flow === null ? '–' : `${a.flow.name} ${a.flow.version}`), cellProps: () => ({ 'data-testid': 'agent-flow' }) },
    {
      id: 'buffer-records',
      label: 'Buffered',
      title: 'Records in the agent log not yet acknowledged by the hub',
      numeric: true,
      cell: (a) => formatCount(a.buffer?.records),
      cellProps: (a) => ({ ...numberCell('agent-buffer-records', (x) => x.buffer?.records)(a), title: partitionsTitle(a) }),
    },
    { id: 'buffer-bytes', label: 'Buffer size', numeric: true, cell: (a) => formatBytes(a.buffer?.bytes), cellProps: (a) => ({ ...numberCell('agent-buffer-bytes', (x) => x.buffer?.bytes)(a), title: partitionsTitle(a) }) },
    { id: 'lag-records', label: 'Lag', title: 'Records not yet acknowledged by the hub', numeric: true, cell: (a) => formatCount(a.lag?.records), cellProps: numberCell('agent-lag-records', (x) => x.lag?.records) },
    { id: 'lag-seconds', label: 'Lag time', title: 'Age of the oldest record not yet acknowledged', numeric: true, cell: (a) => formatSeconds(a.lag?.seconds), cellProps: numberCell('agent-lag-seconds', (x) => x.lag?.seconds) },
    { id: 'rate-in', label: 'In/s', numeric: true, cell: (a) => formatRate(a.rates?.in), cellProps: numberCell('agent-rate-in', (x) => x.rates?.in) },
    { id: 'rate-out', label: 'Out/s', numeric: true, cell: (a) => formatRate(a.rates?.out), cellProps: numberCell('agent-rate-out', (x) => x.rates?.out) },
    { id: 'in-total', label: 'In', title: 'Records from sources since the agent started', numeric: true, cell: (a) => formatCount(a.totals?.in), cellProps: numberCell('agent-in-total', (x) => x.totals?.in) },
    { id: 'forwarded-total', label: 'Forwarded', title: 'Records acknowledged by the hub since the agent started', numeric: true, cell: (a) => formatCount(a.totals?.forwarded), cellProps: numberCell('agent-forwarded-total', (x) => x.totals?.forwarded) },
    {
      id: 'drops',
      label: 'Drops',
      numeric: true,
      cell: (a) => formatCount(a.dropsTotal),
      cellProps: (a) => ({ 'data-testid': 'agent-drops', 'data-value': a.dropsTotal, class: a.dropsTotal > 0 ? 'warn-cell' : undefined, title: dropsTitle(a) }),
    },
    { id: 'errors', label: 'Errors', numeric: true, cell: (a) => formatCount(a.errorsTotal), cellProps: (a) => ({ 'data-testid': 'agent-errors', 'data-value': a.errorsTotal, class: a.errorsTotal > 0 ? 'bad-cell' : undefined }) },
    { id: 'sources', label: 'Sources', cell: (a) => <SourceDots sources={a.sources} /> },
  ];
}

const signatures = new WeakMap<AgentSummary, string>();

/** Everything an agent's row shows, as text; cached per summary object (each fleet event brings new ones). */
function signatureOf(agent: AgentSummary): string {
  let signature = signatures.get(agent);
  if (signature === undefined) {
    signature = JSON.stringify(agent);
    signatures.set(agent, signature);
  }
  return signature;
}

function partitionsTitle(agent: AgentSummary): string | undefined {
  if (agent.buffer === null || agent.buffer.partitions.length === 0) return undefined;
  return agent.buffer.partitions.map((p) => `partition ${p.partition}: ${formatCount(p.records)} records, ${formatBytes(p.bytes)}`).join('\n');
}

function dropsTitle(agent: AgentSummary): string | undefined {
  const reasons = Object.entries(agent.drops);
  if (reasons.length === 0) return undefined;
  return reasons.map(([reason, count]) => `${reason}: ${formatCount(count)}`).join('\n');
}
