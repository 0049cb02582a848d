import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import type { AgentStatusReport } from '../../../core/status.js';
import type { AgentCredential } from '../../../hub/credentials/store.js';
import { HISTORY_SAMPLES, ratesBetween } from '../../../hub/fleet/history.js';
import { FleetRegistry } from '../../../hub/fleet/registry.js';
import { parseAgentStatus } from '../../../hub/fleet/report-shape.js';
import { offlineNotice, statusReport } from './status-fixtures.js';

function registry(credentials: AgentCredential[] = []) {
  let now = 1_000_000;
  const metrics = new Metrics();
  const fleet = new FleetRegistry({ credentials: { list: () => credentials }, metrics, logger: silentLogger(), now: () => now, checkIntervalMs: 0 });
  return { fleet, metrics, advance: (ms: number) => (now += ms), state: (id: string) => fleet.detail(id)?.agent };
}

const report = (seq: number, ts: number, inTotal: number, forwarded: number, extra: Partial<AgentStatusReport> = {}) =>
  statusReport({ seq, ts, intervalMs: 1000, totals: { in: inTotal, buffered: inTotal, forwarded, deadLetters: 0, errors: 0 }, ...extra });

describe('rates between reports', () => {
  it('divides the totals delta by the agent-clock delta; a restart or a clock going back gives none', () => {
    expect(ratesBetween(report(1, 0, 10, 0), report(2, 500, 60, 20))).toEqual({ in: 100, out: 40 });
    expect(ratesBetween(report(1, 0, 10, 5), report(2, 1000, 4, 5))).toBeUndefined();
    expect(ratesBetween(report(1, 0, 10, 5), report(2, 1000, 20, 5, { startedAt: 5 }))).toBeUndefined();
    expect(ratesBetween(report(1, 1000, 10, 5), report(2, 1000, 20, 5))).toBeUndefined();
  });
});

describe('FleetRegistry', () => {
  it('keeps the last 120 samples, oldest first', () => {
    const { fleet } = registry();
    for (let i = 0; i <= HISTORY_SAMPLES + 5; i++) fleet.onStatus('a', report(i, i * 1000, i * 10, i * 5));
    const history = fleet.detail('a')!.history;
    expect(history).toHaveLength(HISTORY_SAMPLES);
    expect(history.every((h) => h.in === 10 && h.out === 5)).toBe(true);
  });

  it('marks an agent offline after 3 missed intervals, not before, and online again on its next report', () => {
    const { fleet, advance, state } = registry();
    fleet.onStatus('a', report(1, 0, 0, 0));
    advance(3000);
    fleet.checkHeartbeats();
    expect(state('a')!.state).toBe('online');
    advance(1);
    fleet.checkHeartbeats();
    expect(state('a')).toMatchObject({ state: 'offline', offlineReason: 'heartbeat_timeout', rates: null });
    fleet.onStatus('a', report(2, 4000, 0, 0));
    expect(state('a')!.state).toBe('online');
    expect(state('a')!.offlineReason).toBeUndefined();
  });

  it('ignores the will of a connection the agent already replaced, and applies the will of its reporting one', () => {
    const { fleet, state, metrics } = registry();
    fleet.connected({ agentId: 'a', connectionId: 1 });
    fleet.onStatus('a', report(1, 0, 0, 0), { connectionId: 1 });
    // the agent reconnects (connection 2) before the hub notices connection 1 is dead
    fleet.connected({ agentId: 'a', connectionId: 2 });
    fleet.onStatus('a', report(2, 1000, 0, 0), { connectionId: 2 });
    fleet.disconnected({ agentId: 'a', connectionId: 1 });
    fleet.onStatus('a', offlineNotice('connection_lost'), { connectionId: 1 });
    expect(state('a')!.state).toBe('online');
    expect(metrics.get('tributary_hub_status_messages_total', { kind: 'stale_offline' })).toBe(1);
    fleet.disconnected({ agentId: 'a', connectionId: 2 });
    expect(state('a')).toMatchObject({ state: 'offline', offlineReason: 'disconnected' });
    // the will comes after the close: what the agent said beats what the hub inferred
    fleet.onStatus('a', offlineNotice('connection_lost'), { connectionId: 2 });
    expect(state('a')!.offlineReason).toBe('connection_lost');
  });

  it('keeps shutdown when the connection closes after the goodbye', () => {
    const { fleet, state } = registry();
    fleet.connected({ agentId: 'a', connectionId: 7 });
    fleet.onStatus('a', report(1, 0, 0, 0), { connectionId: 7 });
    fleet.onStatus('a', offlineNotice('shutdown'), { connectionId: 7 });
    fleet.disconnected({ agentId: 'a', connectionId: 7 });
    expect(state('a')!.offlineReason).toBe('shutdown');
  });

  it('lists registered agents never seen, revoked ones (even with reports), and seen unregistered ones; counts them by state', () => {
    const { fleet, metrics } = registry([{ agentId: 'new', createdAt: 1 }, { agentId: 'gone', createdAt: 1, revokedAt: 2 }, { agentId: 'live', createdAt: 1 }]);
    fleet.onStatus('gone', report(1, 0, 0, 0));
    fleet.onStatus('live', report(1, 0, 0, 0));
    fleet.onStatus('anon', report(1, 0, 0, 0));
    fleet.onStatus('anon', offlineNotice('shutdown'));
    expect(fleet.summaries().map((a) => `${a.id}=${a.state}`)).toEqual(['anon=offline', 'gone=revoked', 'live=online', 'new=never_seen']);
    expect(fleet.detail('nobody')).toBeUndefined();
    expect(fleet.refreshMetrics()).toEqual({ online: 1, offline: 1, never_seen: 1, revoked: 1 });
    expect(metrics.get('tributary_hub_agents', { state: 'revoked' })).toBe(1);
  });

  it('shows the last list of registered agents when the credentials cannot be read, and counts it', () => {
    let fail = false;
    const metrics = new Metrics();
    const fleet = new FleetRegistry({ credentials: { list: () => { if (fail) throw new Error('disk gone'); return [{ agentId: 'x', createdAt: 1 }]; } }, metrics, logger: silentLogger(), checkIntervalMs: 0 });
    expect(fleet.summaries().map((a) => a.id)).toEqual(['x']);
    fail = true;
    expect(fleet.summaries().map((a) => a.id)).toEqual(['x']);
    expect(metrics.get('tributary_hub_fleet_errors_total', { reason: 'credentials' })).toBe(1);
  });
});

describe('parseAgentStatus', () => {
  it('accepts a full report and an offline notice; says what is missing otherwise', () => {
    expect(parseAgentStatus(JSON.stringify(statusReport({ seq: 1 }))).online).toBe(true);
    expect(parseAgentStatus(JSON.stringify(offlineNotice('shutdown')))).toMatchObject({ online: false, reason: 'shutdown' });
    expect(() => parseAgentStatus(JSON.stringify({ ...statusReport({ seq: 1 }), forward: {} }))).toThrow(/forward/);
    expect(() => parseAgentStatus(JSON.stringify({ ...statusReport({ seq: 1 }), drops: { full: 'x' } }))).toThrow(/drops/);
    expect(() => parseAgentStatus(JSON.stringify({ ...statusReport({ seq: 1 }), buffer: { maxBytes: 1, partitions: [{}] } }))).toThrow(/buffer\.partitions/);
    expect(() => parseAgentStatus(JSON.stringify({ v: 1, online: false, ts: 1, seq: 1, intervalMs: 1, reason: 'bored' }))).toThrow(/reason/);
  });
});
