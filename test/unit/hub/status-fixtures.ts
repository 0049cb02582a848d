import type { AgentStatusReport, OfflineNotice } from '../../../core/status.js';

/** A full status report as an agent sends it; `overrides` replace top-level fields. */
export function statusReport(overrides: Partial<AgentStatusReport> & { seq: number }): AgentStatusReport {
  return {
    v: 1,
    online: true,
    ts: Date.now(),
    intervalMs: 5000,
    agentVersion: '0.1.0',
    startedAt: 1_700_000_000_000,
    flow: { name: 'gps-flow', version: '3', sha256: 'abc' },
    buffer: { maxBytes: 1_000_000, partitions: [{ partition: 0, records: 7, bytes: 700, startOffset: 0, nextOffset: 7, whenFull: 'block' }, { partition: 1, records: 3, bytes: 300, startOffset: 0, nextOffset: 3, whenFull: 'drop_oldest' }] },
    forward: { state: 'connected', lagRecords: 10, lagSeconds: 1.5 },
    totals: { in: 100, buffered: 100, forwarded: 90, deadLetters: 0, errors: 2 },
    drops: { full: 4, corrupt: 1 },
    sources: [{ id: 'gps', type: 'serial', state: 'ok', records: 100, badFrames: 1 }],
    errors: [{ ts: 1_700_000_000_500, component: 'gps', message: 'bad checksum' }],
    ...overrides,
  };
}

/** An offline notice (last will or goodbye). */
export function offlineNotice(reason: OfflineNotice['reason'], seq = 0, intervalMs = 5000): OfflineNotice {
  return { v: 1, online: false, reason, ts: Date.now(), seq, intervalMs };
}

