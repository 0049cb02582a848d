/** Consumer groups: each group with its members, total lag and rebalances; click through to the detail. */
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatCount, formatDuration } from '../components/format.js';
import { nextSort, sortRows, type SortState } from '../components/sort.js';
import { Table, type Column } from '../components/table.js';
import { usePoll } from '../hooks.js';
import { groupHref } from '../router.js';
import type { GroupDescription, GroupListEntry } from '../types.js';
import { groupLag } from './group-lag.js';

const POLL_MS = 2000;
/** Groups described in the list (one request each); more are listed without their lag. */
const MAX_DESCRIBED = 50;

interface GroupRow extends GroupListEntry {
  description?: GroupDescription;
}

type GroupColumn = 'group' | 'topic' | 'members' | 'partitions' | 'lag' | 'lag-time' | 'rebalances';

const SORT_VALUE: Record<GroupColumn, (row: GroupRow) => number | string | undefined> = {
  group: (r) => r.group,
  topic: (r) => r.description?.topic,
  members: (r) => r.members,
  partitions: (r) => r.description?.partitions.length,
  lag: (r) => (r.description === undefined ? undefined : groupLag(r.description).records),
  'lag-time': (r) => (r.description === undefined ? undefined : groupLag(r.description).maxMs),
  rebalances: (r) => r.description?.rebalances ?? r.description?.epoch,
};

async function loadGroups(signal: AbortSignal): Promise<GroupRow[]> {
  const { groups } = await api.groups(signal);
  const described = await Promise.all(
    groups.slice(0, MAX_DESCRIBED).map((g) =>
      api.group(g.group, signal).then(
        (description): GroupRow => ({ ...g, description }),
        // A group can vanish between the list and its description: list it without one.
        (): GroupRow => ({ ...g }),
      ),
    ),
  );
  return [...described, ...groups.slice(MAX_DESCRIBED)];
}

export function GroupsView() {
  const poll = usePoll(loadGroups, POLL_MS, []);
  const [sort, setSort] = useState<SortState<GroupColumn>>({ column: 'group', direction: 'asc' });
  const rows = useMemo(() => sortRows(poll.data ?? [], SORT_VALUE[sort.column], sort.direction, (r) => r.group), [poll.data, sort]);

  const columns: Column<GroupRow, GroupColumn>[] = [
    { id: 'group', label: 'Group', cell: (r) => <a href={groupHref(r.group)}>{r.group}</a> },
    { id: 'topic', label: 'Topic', cell: (r) => r.description?.topic ?? '–' },
    { id: 'members', label: 'Members', numeric: true, cell: (r) => r.members, cellProps: (r) => ({ 'data-testid': 'group-members', 'data-value': r.members }) },
    { id: 'partitions', label: 'Partitions', numeric: true, cell: (r) => r.description?.partitions.length ?? '–' },
    {
      id: 'lag',
      label: 'Lag',
      title: 'Records between the committed offsets and the log end, all partitions',
      numeric: true,
      cell: (r) => (r.description === undefined ? '–' : formatCount(groupLag(r.description).records)),
      cellProps: (r) => ({ 'data-testid': 'group-lag', 'data-value': r.description === undefined ? undefined : groupLag(r.description).records }),
    },
    { id: 'lag-time', label: 'Max lag time', numeric: true, cell: (r) => (r.description === undefined ? '–' : formatDuration(groupLag(r.description).maxMs)) },
    { id: 'rebalances', label: 'Rebalances', numeric: true, cell: (r) => r.description?.rebalances ?? '–', title: 'Since the hub started' },
  ];

  return (
    <main class="view">
      <div class="view-head">
        <h1>Consumer groups</h1>
        {poll.error !== undefined && <p class="error">Cannot load groups: {poll.error}</p>}
      </div>
      <Table
        testId="groups-table"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.group}
        rowProps={(r) => ({ 'data-testid': 'group-row', 'data-group': r.group })}
        sort={sort}
        onSort={(column) => setSort(nextSort(sort, column, column === 'group' || column === 'topic' ? 'asc' : 'desc'))}
        empty={poll.data === undefined ? 'Loading…' : 'No consumer groups yet: they appear when a member joins.'}
      />
    </main>
  );
}
