/** One agent: its state, rate sparklines, buffer partitions, sources, recent errors and flow. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatAge, formatBytes, formatCount, formatRate, formatSeconds, formatTime } from '../components/format.js';
import { Sparkline } from '../components/sparkline.js';
import { CHART_COLORS } from '../components/uplot-chart.js';
import { forwardTone, offlineReasonLabel, sourceTone, StateBadge, ToneBadge } from '../components/state-badge.js';
import { Table } from '../components/table.js';
import { useFleet } from '../events.js';
import { useNow, usePoll } from '../hooks.js';
import type { AgentHistoryPoint, AgentSummary, BufferPartitionStatus, RecentError, SourceHealth } from '../types.js';
import { appendHistory, MAX_HISTORY_POINTS } from './live-series.js';

/** Errors and the flow change rarely: a slow poll; the summary and rates come from the live feed. */
const DETAIL_POLL_MS = 5000;

export function AgentDetailView({ id }: { id: string }) {
  const detail = usePoll((signal) => api.agent(id, signal), DETAIL_POLL_MS, [id]);
  const { agents } = useFleet();
  const now = useNow();
  const [history, setHistory] = useState<readonly AgentHistoryPoint[]>([]);

  // The detail's history is the base; each newer report seen in the live feed adds one point.
  useEffect(() => setHistory([]), [id]);
  useEffect(() => {
    if (detail.data !== undefined) setHistory((previous) => mergeHistory(detail.data!.history, previous));
  }, [detail.data]);
  const live = agents?.find((a) => a.id === id);
  useEffect(() => {
    if (live !== undefined) setHistory((previous) => appendHistory(previous, live));
  }, [live]);

  const agent: AgentSummary | undefined = live ?? detail.data?.agent;
  const series = useMemo(() => {
    const xs = history.map((p) => p.ts);
    return { xs, in: history.map((p) => p.in), out: history.map((p) => p.out), buffer: history.map((p) => p.bufferRecords), lag: history.map((p) => p.lagRecords) };
  }, [history]);

  if (agent === undefined) {
    return (
      <main class="view" data-testid="agent-detail" data-agent-id={id}>
        <p class="crumbs">
          <a href="#/fleet">Fleet</a> /
        </p>
        <h1>{id}</h1>
        {detail.errorStatus === 404 ? <p class="error">No agent {id} is registered or has been seen by this hub.</p> : detail.error !== undefined ? <p class="error">Cannot load the agent: {detail.error}</p> : <p class="muted">Loading…</p>}
      </main>
    );
  }

  const errors = detail.data?.errors ?? [];
  const flowYaml = detail.data?.flowYaml ?? null;
  return (
    <main class="view" data-testid="agent-detail" data-agent-id={id} data-state={agent.state}>
      <p class="crumbs">
        <a href="#/fleet">Fleet</a> /
      </p>
      <div class="view-head">
        <h1>
          {agent.id} <StateBadge state={agent.state} reason={agent.offlineReason} />
        </h1>
        <p class="summary">
          {agent.state === 'offline' && agent.offlineReason !== undefined && <>{offlineReasonLabel(agent.offlineReason)} · </>}
          last seen <span title={formatTime(agent.lastSeen, now)}>{formatAge(agent.lastSeen, now)}</span> · version {agent.version ?? '–'} · flow{' '}
          {agent.flow === null ? '–' : `${agent.flow.name} ${agent.flow.version}`} · forwarder{' '}
          <ToneBadge text={agent.forwardState ?? 'unknown'} tone={forwardTone(agent.forwardState)} />
        </p>
      </div>

      <section class="cards">
        <Stat label="In" value={formatCount(agent.totals?.in)} testId="agent-detail-in-total" raw={agent.totals?.in} />
        <Stat label="Buffered" value={formatCount(agent.totals?.buffered)} raw={agent.totals?.buffered} />
        <Stat label="Forwarded" value={formatCount(agent.totals?.forwarded)} testId="agent-detail-forwarded-total" raw={agent.totals?.forwarded} />
        <Stat label="Lag" value={`${formatCount(agent.lag?.records)} · ${formatSeconds(agent.lag?.seconds)}`} raw={agent.lag?.records} />
        <Stat label="Buffer" value={`${formatCount(agent.buffer?.records)} · ${formatBytes(agent.buffer?.bytes)}`} raw={agent.buffer?.records} />
        <Stat label="Dead letters" value={formatCount(agent.totals?.deadLetters)} raw={agent.totals?.deadLetters} tone={(agent.totals?.deadLetters ?? 0) > 0 ? 'warn' : undefined} />
        <Stat label="Drops" value={formatCount(agent.dropsTotal)} raw={agent.dropsTotal} tone={agent.dropsTotal > 0 ? 'warn' : undefined} title={Object.entries(agent.drops).map(([r, n]) => `${r}: ${n}`).join('\n')} />
        <Stat label="Errors" value={formatCount(agent.errorsTotal)} raw={agent.errorsTotal} tone={agent.errorsTotal > 0 ? 'bad' : undefined} />
      </section>

      <section class="sparklines">
        <Sparkline label="in / s" xs={series.xs} ys={series.in} format={formatRate} testId="agent-sparkline" />
        <Sparkline label="out / s" xs={series.xs} ys={series.out} format={formatRate} color={CHART_COLORS.second} testId="agent-sparkline" />
        <Sparkline label="buffered records" xs={series.xs} ys={series.buffer} format={formatCount} color={CHART_COLORS.p95} testId="agent-sparkline" />
        <Sparkline label="lag records" xs={series.xs} ys={series.lag} format={formatCount} color="#7a4fb5" testId="agent-sparkline" />
      </section>

      {Object.keys(agent.drops).length > 0 && (
        <section>
          <h2>Drops by reason</h2>
          <Table
            columns={[
              { id: 'reason', label: 'Reason', cell: (r: [string, number]) => r[0] },
              { id: 'count', label: 'Records', numeric: true, cell: (r: [string, number]) => formatCount(r[1]) },
            ]}
            rows={Object.entries(agent.drops)}
            rowKey={(r) => r[0]}
          />
        </section>
      )}

      <div class="two-col">
        <section>
          <h2>Buffer partitions</h2>
          <Table<BufferPartitionStatus, string>
            testId="agent-partitions"
            columns={[
              { id: 'partition', label: 'Partition', numeric: true, cell: (p) => p.partition },
              { id: 'records', label: 'Unacked', numeric: true, cell: (p) => formatCount(p.records) },
              { id: 'bytes', label: 'Size', numeric: true, cell: (p) => formatBytes(p.bytes) },
              { id: 'start', label: 'Start offset', numeric: true, cell: (p) => formatCount(p.startOffset) },
              { id: 'next', label: 'Next offset', numeric: true, cell: (p) => formatCount(p.nextOffset) },
              { id: 'full', label: 'When full', cell: (p) => p.whenFull.replace('_', ' ') },
            ]}
            rows={agent.buffer?.partitions ?? []}
            rowKey={(p) => String(p.partition)}
            rowProps={(p) => ({ 'data-testid': 'agent-partition-row', 'data-partition': p.partition })}
            empty="No buffer reported yet."
          />
        </section>
        <section>
          <h2>Sources</h2>
          <Table<SourceHealth, string>
            testId="agent-sources"
            columns={[
              { id: 'id', label: 'Source', cell: (s) => s.id },
              { id: 'type', label: 'Type', cell: (s) => s.type },
              { id: 'state', label: 'State', cell: (s) => <ToneBadge text={s.state} tone={sourceTone(s.state)} /> },
              { id: 'records', label: 'Records', numeric: true, cell: (s) => formatCount(s.records) },
              { id: 'bad', label: 'Bad frames', numeric: true, cell: (s) => formatCount(s.badFrames), cellProps: (s) => ({ class: s.badFrames > 0 ? 'warn-cell' : undefined }) },
              { id: 'detail', label: 'Detail', cell: (s) => s.detail ?? '' },
            ]}
            rows={agent.sources}
            rowKey={(s) => s.id}
            empty="No sources reported."
          />
        </section>
      </div>

      <section>
        <h2>Recent errors</h2>
        <Table<RecentError, string>
          testId="agent-errors"
          columns={[
            { id: 'ts', label: 'When', cell: (e) => <span title={formatTime(e.ts, now)}>{formatAge(e.ts, now)}</span> },
            { id: 'component', label: 'Component', cell: (e) => e.component },
            { id: 'message', label: 'Message', cell: (e) => <span class="message">{e.message}</span> },
          ]}
          rows={errors}
          rowKey={(e) => `${e.ts}:${e.component}:${e.message}`}
          rowProps={() => ({ 'data-testid': 'agent-error-row' })}
          empty={detail.data === undefined ? 'Loading…' : 'No recent errors.'}
        />
      </section>

      <section>
        <h2>
          Flow <span class="muted small">(read-only; secrets redacted by the agent)</span>
        </h2>
        <pre class="yaml" data-testid="agent-flow-yaml">
          {flowYaml ?? (detail.data === undefined ? 'Loading…' : '# The agent has not sent its flow since the hub started (it does after each connect).')}
        </pre>
      </section>
    </main>
  );
}

function Stat({ label, value, raw, testId, tone, title }: { label: string; value: string; raw?: number | undefined; testId?: string; tone?: 'warn' | 'bad' | undefined; title?: string }) {
  return (
    <div class={`stat ${tone === undefined ? '' : `stat-${tone}`}`} title={title}>
      <div class="stat-label">{label}</div>
      <div class="stat-value" data-testid={testId} data-value={raw}>
        {value}
      </div>
    </div>
  );
}

/** The hub's history, plus any live points newer than its last one. */
function mergeHistory(base: readonly AgentHistoryPoint[], live: readonly AgentHistoryPoint[]): readonly AgentHistoryPoint[] {
  const lastTs = base[base.length - 1]?.ts ?? -Infinity;
  const newer = live.filter((p) => p.ts > lastTs);
  return newer.length === 0 ? base : [...base, ...newer].slice(-MAX_HISTORY_POINTS);
}
