/** Topics: each hub log partition's offsets, size and ingest rate, and the topic's de-dup and reject counts. */
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatBytes, formatCount, formatRate } from '../components/format.js';
import { nextSort, sortRows, type SortState } from '../components/sort.js';
import { Table, type Column } from '../components/table.js';
import { usePoll } from '../hooks.js';
import type { TopicDetail, TopicPartition } from '../types.js';

const POLL_MS = 2000;

interface PartitionRow extends TopicPartition {
  topic: string;
}

type TopicColumn = 'topic' | 'partition' | 'start' | 'end' | 'records' | 'bytes' | 'rate';

const SORT_VALUE: Record<TopicColumn, (row: PartitionRow) => number | string> = {
  topic: (r) => r.topic,
  partition: (r) => r.partition,
  start: (r) => r.startOffset,
  end: (r) => r.nextOffset,
  records: (r) => r.records,
  bytes: (r) => r.bytes,
  rate: (r) => r.ingestRate,
};

async function loadTopics(signal: AbortSignal): Promise<TopicDetail[]> {
  const { topics } = await api.topics(signal);
  return Promise.all(topics.map((topic) => api.topic(topic.name, signal)));
}

export function TopicsView() {
  const poll = usePoll(loadTopics, POLL_MS, []);
  const [sort, setSort] = useState<SortState<TopicColumn>>({ column: 'partition', direction: 'asc' });
  const rows = useMemo(() => {
    const all = (poll.data ?? []).flatMap((topic) => topic.partitions.map((p) => ({ ...p, topic: topic.name })));
    return sortRows(all, SORT_VALUE[sort.column], sort.direction, (r) => `${r.topic}:${String(r.partition).padStart(6, '0')}`);
  }, [poll.data, sort]);
  const multipleTopics = (poll.data?.length ?? 0) > 1;

  const columns: Column<PartitionRow, TopicColumn>[] = [
    ...(multipleTopics ? [{ id: 'topic' as const, label: 'Topic', cell: (r: PartitionRow) => r.topic }] : []),
    { id: 'partition', label: 'Partition', numeric: true, cell: (r) => r.partition, cellProps: (r) => ({ 'data-testid': 'topic-partition', 'data-value': r.partition }) },
    { id: 'start', label: 'Start offset', title: 'First offset still in the log (retention removes older batches)', numeric: true, cell: (r) => formatCount(r.startOffset), cellProps: (r) => ({ 'data-value': r.startOffset }) },
    { id: 'end', label: 'End offset', title: 'Offset the next record will get', numeric: true, cell: (r) => formatCount(r.nextOffset), cellProps: (r) => ({ 'data-testid': 'topic-end-offset', 'data-value': r.nextOffset }) },
    { id: 'records', label: 'Records', numeric: true, cell: (r) => formatCount(r.records), cellProps: (r) => ({ 'data-testid': 'topic-records', 'data-value': r.records }) },
    { id: 'bytes', label: 'Size', numeric: true, cell: (r) => formatBytes(r.bytes), cellProps: (r) => ({ 'data-value': r.bytes }) },
    { id: 'rate', label: 'Ingest', numeric: true, cell: (r) => formatRate(r.ingestRate), cellProps: (r) => ({ 'data-value': r.ingestRate }) },
  ];

  return (
    <main class="view">
      <div class="view-head">
        <h1>Topics</h1>
        {poll.error !== undefined && <p class="error">Cannot load topics: {poll.error}</p>}
      </div>
      {(poll.data ?? []).map((topic) => (
        <section class="cards" key={topic.name} data-testid="topic-totals" data-topic={topic.name}>
          <div class="stat stat-title">
            <div class="stat-label">topic</div>
            <div class="stat-value">{topic.name}</div>
          </div>
          <TotalStat label="Records" value={topic.totals.records} testId="topic-total-records" />
          <div class="stat">
            <div class="stat-label">Size</div>
            <div class="stat-value" data-value={topic.totals.bytes}>
              {formatBytes(topic.totals.bytes)}
            </div>
          </div>
          <div class="stat">
            <div class="stat-label">Ingest</div>
            <div class="stat-value">{formatRate(topic.partitions.reduce((sum, p) => sum + p.ingestRate, 0))}</div>
          </div>
          <TotalStat label="Duplicates" title="Batches the hub already had (agent resends), acknowledged and not stored again" value={topic.totals.duplicates} testId="topic-total-duplicates" />
          <TotalStat label="Rejected" title="Batches refused (gap, bad header, ACL)" value={topic.totals.rejected} testId="topic-total-rejected" tone="warn" />
          <TotalStat label="Invalid" title="Batches that failed decoding or CRC" value={topic.totals.invalid} testId="topic-total-invalid" tone="bad" />
        </section>
      ))}
      <Table
        testId="topics-table"
        columns={columns}
        rows={rows}
        rowKey={(r) => `${r.topic}:${r.partition}`}
        rowProps={(r) => ({ 'data-testid': 'topic-partition-row', 'data-topic': r.topic, 'data-partition': r.partition })}
        sort={sort}
        onSort={(column) => setSort(nextSort(sort, column, column === 'topic' || column === 'partition' ? 'asc' : 'desc'))}
        empty={poll.data === undefined ? 'Loading…' : 'No topics.'}
      />
    </main>
  );
}

function TotalStat({ label, value, testId, title, tone }: { label: string; value: number; testId: string; title?: string; tone?: 'warn' | 'bad' }) {
  return (
    <div class={`stat ${tone !== undefined && value > 0 ? `stat-${tone}` : ''}`} title={title}>
      <div class="stat-label">{label}</div>
      <div class="stat-value" data-testid={testId} data-value={value}>
        {formatCount(value)}
      </div>
    </div>
  );
}
