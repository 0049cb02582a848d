/** One consumer group: members, who owns which partition, committed offsets and lag per partition. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatAge, formatCount, formatDuration, formatTime } from '../components/format.js';
import { Sparkline } from '../components/sparkline.js';
import { nextSort, sortRows, type SortState } from '../components/sort.js';
import { Table, type Column } from '../components/table.js';
import { ToneBadge } from '../components/state-badge.js';
import { useNow, usePoll } from '../hooks.js';
import type { GroupMember, GroupPartition } from '../types.js';
import { groupLag } from './group-lag.js';

const POLL_MS = 2000;
/** Lag points kept for the sparkline: ten minutes at one per poll. */
const MAX_LAG_POINTS = 300;

type PartitionColumn = 'partition' | 'owner' | 'assigned' | 'lease' | 'committed' | 'committed-at' | 'start' | 'end' | 'lag' | 'lag-time';

const SORT_VALUE: Record<PartitionColumn, (p: GroupPartition) => number | string | undefined> = {
  partition: (p) => p.partition,
  owner: (p) => p.owner,
  assigned: (p) => p.assigned_to,
  lease: (p) => p.lease,
  committed: (p) => p.committed_offset,
  'committed-at': (p) => (p.committed_at === undefined ? undefined : Date.parse(p.committed_at)),
  start: (p) => p.log_start,
  end: (p) => p.log_end,
  lag: (p) => p.lag_records,
  'lag-time': (p) => p.lag_ms,
};

export function GroupDetailView({ group }: { group: string }) {
  const poll = usePoll((signal) => api.group(group, signal), POLL_MS, [group]);
  const now = useNow();
  const [sort, setSort] = useState<SortState<PartitionColumn>>({ column: 'partition', direction: 'asc' });
  const [lagHistory, setLagHistory] = useState<{ ts: number[]; lag: number[] }>({ ts: [], lag: [] });
  const description = poll.data;
  const lag = description === undefined ? undefined : groupLag(description);

  useEffect(() => setLagHistory({ ts: [], lag: [] }), [group]);
  useEffect(() => {
    if (lag === undefined || poll.loadedAt === undefined) return;
    const at = poll.loadedAt;
    setLagHistory((h) => ({ ts: [...h.ts, at].slice(-MAX_LAG_POINTS), lag: [...h.lag, lag.records].slice(-MAX_LAG_POINTS) }));
    // One point per load.
  }, [poll.loadedAt]);

  const partitions = useMemo(() => sortRows(description?.partitions ?? [], SORT_VALUE[sort.column], sort.direction, (p) => p.partition), [description, sort]);

  if (description === undefined) {
    return (
      <main class="view">
        <p class="crumbs">
          <a href="#/groups">Consumer groups</a> /
        </p>
        <h1>{group}</h1>
        {poll.errorStatus === 404 ? <p class="error">No consumer group {group} on this hub (groups exist once a member joined).</p> : poll.error !== undefined ? <p class="error">Cannot load the group: {poll.error}</p> : <p class="muted">Loading…</p>}
      </main>
    );
  }

  const partitionColumns: Column<GroupPartition, PartitionColumn>[] = [
    { id: 'partition', label: 'Partition', numeric: true, cell: (p) => p.partition },
    { id: 'owner', label: 'Owner', cell: (p) => p.owner ?? <span class="muted">none</span>, cellProps: (p) => ({ title: p.lease === undefined ? undefined : `lease ${p.lease}` }) },
    {
      id: 'assigned',
      label: 'Assigned to',
      title: 'Differs from the owner while a rebalance moves the partition',
      cell: (p) => (p.assigned_to !== undefined && p.assigned_to !== p.owner ? <ToneBadge text={`→ ${p.assigned_to}`} tone="warn" /> : (p.assigned_to ?? '–')),
    },
    { id: 'lease', label: 'Lease', numeric: true, cell: (p) => p.lease ?? '–' },
    { id: 'committed', label: 'Committed', numeric: true, cell: (p) => formatCount(p.committed_offset), cellProps: (p) => ({ 'data-testid': 'group-partition-committed', 'data-value': p.committed_offset }) },
    { id: 'committed-at', label: 'Committed at', cell: (p) => (p.committed_at === undefined ? '–' : formatAge(Date.parse(p.committed_at), now)), cellProps: (p) => ({ title: p.committed_at === undefined ? undefined : formatTime(Date.parse(p.committed_at), now) }) },
    { id: 'start', label: 'Log start', numeric: true, cell: (p) => formatCount(p.log_start) },
    { id: 'end', label: 'Log end', numeric: true, cell: (p) => formatCount(p.log_end), cellProps: (p) => ({ 'data-value': p.log_end }) },
    {
      id: 'lag',
      label: 'Lag',
      numeric: true,
      cell: (p) => formatCount(p.lag_records),
      cellProps: (p) => ({ 'data-testid': 'group-partition-lag', 'data-value': p.lag_records, class: p.lag_records > 0 ? 'lag-cell' : undefined }),
    },
    { id: 'lag-time', label: 'Lag time', numeric: true, cell: (p) => formatDuration(p.lag_ms), cellProps: (p) => ({ 'data-value': p.lag_ms }) },
  ];

  return (
    <main class="view" data-testid="group-detail" data-group={group}>
      <p class="crumbs">
        <a href="#/groups">Consumer groups</a> /
      </p>
      <div class="view-head">
        <h1>{description.group}</h1>
        <p class="summary">
          topic {description.topic} · offset reset {description.offset_reset}
          {poll.error !== undefined && <span class="error"> · update failed: {poll.error}</span>}
        </p>
      </div>
      <section class="cards">
        <div class="stat">
          <div class="stat-label">Total lag</div>
          <div class="stat-value" data-testid="group-lag-total" data-value={lag?.records}>
            {formatCount(lag?.records)}
          </div>
        </div>
        <div class="stat">
          <div class="stat-label">Max lag time</div>
          <div class="stat-value">{formatDuration(lag?.maxMs)}</div>
        </div>
        <div class="stat">
          <div class="stat-label">Members</div>
          <div class="stat-value" data-value={description.members.length}>
            {description.members.length}
          </div>
        </div>
        <div class="stat" title="Since the hub started">
          <div class="stat-label">Rebalances</div>
          <div class="stat-value" data-testid="group-rebalances" data-value={description.rebalances}>
            {description.rebalances ?? '–'}
          </div>
        </div>
        <div class="stat">
          <div class="stat-label">Generation</div>
          <div class="stat-value">{description.generation ?? '–'}</div>
        </div>
        <div class="stat">
          <div class="stat-label">Epoch</div>
          <div class="stat-value">{description.epoch}</div>
        </div>
        <div class="stat stat-wide">
          <Sparkline label="total lag (since this page opened)" xs={lagHistory.ts} ys={lagHistory.lag} format={formatCount} testId="group-lag-sparkline" />
        </div>
      </section>

      <section>
        <h2>Partitions</h2>
        <Table
          testId="group-partitions"
          columns={partitionColumns}
          rows={partitions}
          rowKey={(p) => String(p.partition)}
          rowProps={(p) => ({ 'data-testid': 'group-partition-row', 'data-partition': p.partition })}
          sort={sort}
          onSort={(column) => setSort(nextSort(sort, column, column === 'lag' || column === 'lag-time' ? 'desc' : 'asc'))}
          empty="The group's topic has no partitions."
        />
      </section>

      <section>
        <h2>Members</h2>
        <Table<GroupMember, string>
          testId="group-members"
          columns={[
            { id: 'member', label: 'Member', cell: (m) => <code>{m.member_id}</code> },
            { id: 'static', label: 'Static id', cell: (m) => m.static_id ?? '–' },
            { id: 'owned', label: 'Owns', cell: (m) => (m.owned.length === 0 ? '–' : m.owned.map((o) => o.partition).sort((a, b) => a - b).join(', ')) },
            {
              id: 'assigned',
              label: 'Assigned',
              cell: (m) => {
                const pending = m.assigned.filter((p) => !m.owned.some((o) => o.partition === p));
                return (
                  <>
                    {m.assigned.length === 0 ? '–' : [...m.assigned].sort((a, b) => a - b).join(', ')}
                    {pending.length > 0 && <span class="muted small"> (waiting for {pending.join(', ')})</span>}
                  </>
                );
              },
            },
            { id: 'heartbeat', label: 'Last heartbeat', cell: (m) => formatAge(Date.parse(m.last_heartbeat_at), now), cellProps: (m) => ({ title: m.last_heartbeat_at }) },
            { id: 'timeout', label: 'Session timeout', numeric: true, cell: (m) => formatDuration(m.session_timeout_ms) },
          ]}
          rows={description.members}
          rowKey={(m) => m.member_id}
          rowProps={(m) => ({ 'data-testid': 'group-member-row', 'data-member': m.member_id })}
          empty="No members: nobody consumes this group right now (its committed offsets stay)."
        />
      </section>
    </main>
  );
}
