import { describe, expect, it } from 'vitest';
import { compareValues, nextSort, sortRows } from '../../../dashboard/src/components/sort.js';
import type { AgentSummary } from '../../../dashboard/src/types.js';
import { countByState, FLEET_COLUMNS, fleetColumn, fleetRows, fleetSortValue, matchesFleetFilter } from '../../../dashboard/src/views/fleet-rows.js';

function agent(id: string, overrides: Partial<AgentSummary> = {}): AgentSummary {
  return {
    id,
    state: 'online',
    lastSeen: 1000,
    version: '0.1.0',
    flow: { name: 'plant', version: '1' },
    buffer: { records: 0, bytes: 0, partitions: [] },
    lag: { records: 0, seconds: 0 },
    rates: { in: 0, out: 0 },
    totals: { in: 0, buffered: 0, forwarded: 0, deadLetters: 0, errors: 0 },
    drops: {},
    dropsTotal: 0,
    errorsTotal: 0,
    sources: [],
    forwardState: 'connected',
    ...overrides,
  };
}

const ids = (agents: AgentSummary[]) => agents.map((a) => a.id);
const all = { text: '', state: 'all' } as const;

describe('sortRows', () => {
  it('sorts numbers numerically and strings naturally, keeping ties in input order', () => {
    expect(sortRows([10, 9, 100], (n) => n, 'asc')).toEqual([9, 10, 100]);
    expect(sortRows(['agent-10', 'agent-9', 'Agent-1'], (s) => s, 'asc')).toEqual(['Agent-1', 'agent-9', 'agent-10']);
    const rows = [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
      { id: 'c', v: 0 },
    ];
    expect(sortRows(rows, (r) => r.v, 'desc').map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('puts empty values last in both directions', () => {
    const rows = [{ v: null }, { v: 2 }, { v: undefined }, { v: 1 }, { v: Number.NaN }];
    expect(sortRows(rows, (r) => r.v, 'asc').map((r) => r.v).slice(0, 2)).toEqual([1, 2]);
    expect(sortRows(rows, (r) => r.v, 'desc').map((r) => r.v).slice(0, 2)).toEqual([2, 1]);
    expect(compareValues(null, 5)).toBeGreaterThan(0);
  });

  it('flips the direction on the same column and starts a new column at its initial direction', () => {
    expect(nextSort({ column: 'id', direction: 'asc' }, 'id')).toEqual({ column: 'id', direction: 'desc' });
    expect(nextSort({ column: 'id', direction: 'desc' }, 'lag', 'desc')).toEqual({ column: 'lag', direction: 'desc' });
  });
});

describe('fleet rows', () => {
  const fleet = [
    agent('pump-2', { totals: { in: 500, buffered: 500, forwarded: 400, deadLetters: 0, errors: 0 }, lag: { records: 100, seconds: 2 } }),
    agent('pump-10', { state: 'offline', offlineReason: 'connection_lost', totals: { in: 90, buffered: 90, forwarded: 90, deadLetters: 0, errors: 0 } }),
    agent('boiler-1', { version: '0.2.0', flow: { name: 'boilers', version: '7' }, sources: [{ id: 'serial-a', type: 'serial', state: 'stalled', records: 1, badFrames: 0 }] }),
    agent('new-1', { state: 'never_seen', lastSeen: null, version: null, flow: null, buffer: null, lag: null, rates: null, totals: null }),
  ];

  it('has a sort value for every column', () => {
    for (const column of FLEET_COLUMNS) expect(() => fleetSortValue(fleet[0]!, column)).not.toThrow();
    expect(fleetColumn('in-total')).toBe('in-total');
    expect(fleetColumn('nope')).toBeUndefined();
  });

  it('sorts by a numeric column with agents that never reported last', () => {
    expect(ids(fleetRows(fleet, all, { column: 'in-total', direction: 'desc' }))).toEqual(['pump-2', 'pump-10', 'boiler-1', 'new-1']);
    expect(ids(fleetRows(fleet, all, { column: 'in-total', direction: 'asc' }))).toEqual(['boiler-1', 'pump-10', 'pump-2', 'new-1']);
    expect(ids(fleetRows(fleet, all, { column: 'lag-records', direction: 'desc' }))[0]).toBe('pump-2');
  });

  it('sorts ids naturally and states with offline agents first, ties by id', () => {
    expect(ids(fleetRows(fleet, all, { column: 'id', direction: 'asc' }))).toEqual(['boiler-1', 'new-1', 'pump-2', 'pump-10']);
    expect(ids(fleetRows(fleet, all, { column: 'state', direction: 'asc' }))).toEqual(['pump-10', 'boiler-1', 'pump-2', 'new-1']);
  });

  it('sorts by source health with the worst source first', () => {
    expect(ids(fleetRows(fleet, all, { column: 'sources', direction: 'asc' }))[0]).toBe('boiler-1');
  });

  it('filters by state and by every word of the text in id, version, flow or sources', () => {
    expect(ids(fleetRows(fleet, { text: '', state: 'offline' }, { column: 'id', direction: 'asc' }))).toEqual(['pump-10']);
    expect(ids(fleetRows(fleet, { text: 'PUMP', state: 'all' }, { column: 'id', direction: 'asc' }))).toEqual(['pump-2', 'pump-10']);
    expect(matchesFleetFilter(fleet[2]!, { text: 'boilers 0.2', state: 'all' })).toBe(true);
    expect(matchesFleetFilter(fleet[2]!, { text: 'stalled', state: 'all' })).toBe(true);
    expect(matchesFleetFilter(fleet[2]!, { text: 'boilers pump', state: 'all' })).toBe(false);
    expect(matchesFleetFilter(fleet[1]!, { text: 'connection_lost', state: 'all' })).toBe(true);
    expect(matchesFleetFilter(fleet[0]!, { text: '  ', state: 'all' })).toBe(true);
  });

  it('counts agents per state', () => {
    expect(countByState(fleet)).toEqual({ online: 2, offline: 1, never_seen: 1, revoked: 0 });
  });

  it('sorts hundreds of agents without losing any', () => {
    const many = Array.from({ length: 500 }, (_, i) => agent(`agent-${i}`, { totals: { in: (i * 7919) % 1000, buffered: 0, forwarded: 0, deadLetters: 0, errors: 0 } }));
    const rows = fleetRows(many, all, { column: 'in-total', direction: 'desc' });
    expect(rows).toHaveLength(500);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.totals!.in).toBeGreaterThanOrEqual(rows[i]!.totals!.in);
  });
});
