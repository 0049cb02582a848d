import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import { REFUSAL_REASONS, RefusalLog } from '../../../hub/broker/refusal-log.js';

describe('RefusalLog', () => {
  it('has a refusal series at 0 for every reason from the start, so increase() and rate() alerts see the first refusal', () => {
    const metrics = new Metrics();
    const log = new RefusalLog(silentLogger(), metrics);
    const series = () => metrics.snapshot().filter((s) => s.name === 'tributary_hub_refusals_total');
    expect(series().map((s) => s.labels.reason).sort()).toEqual([...REFUSAL_REASONS].sort());
    expect(series().every((s) => s.value === 0)).toBe(true);
    expect(REFUSAL_REASONS).toContain('wrong_password');

    log.refuse('wrong_password', { agentId: 'a', address: '10.0.0.1' }, 'wrong password');
    expect(metrics.get('tributary_hub_refusals_total', { reason: 'wrong_password' })).toBe(1);
    expect(series()).toHaveLength(REFUSAL_REASONS.length);
  });
});
