import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../core/metrics.js';
import { renderPrometheus } from '../../../core/prometheus.js';

describe('renderPrometheus', () => {
  it('types counters and gauges by name and escapes label values', () => {
    const m = new Metrics();
    m.inc('tributary_ingest_records_total', { agent: 'a"b\\c' }, 3);
    m.set('tributary_buffer_records', { partition: '0' }, 7);
    const text = renderPrometheus(m, { tributary_buffer_records: 'Records not yet acknowledged' });
    expect(text).toContain('# TYPE tributary_ingest_records_total counter\ntributary_ingest_records_total{agent="a\\"b\\\\c"} 3\n');
    expect(text).toContain('# HELP tributary_buffer_records Records not yet acknowledged\n# TYPE tributary_buffer_records gauge\ntributary_buffer_records{partition="0"} 7\n');
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const m = new Metrics();
    const h = m.histogram('tributary_log_commit_seconds', { log: 'agent' }, [0.01, 0.1]);
    for (const v of [0.005, 0.05, 0.05, 3]) h.observe(v);
    const text = renderPrometheus(m);
    expect(text).toContain('# TYPE tributary_log_commit_seconds histogram');
    expect(text).toContain('tributary_log_commit_seconds_bucket{le="0.01",log="agent"} 1');
    expect(text).toContain('tributary_log_commit_seconds_bucket{le="0.1",log="agent"} 3');
    expect(text).toContain('tributary_log_commit_seconds_bucket{le="+Inf",log="agent"} 4');
    expect(text).toContain('tributary_log_commit_seconds_sum{log="agent"} 3.105');
    expect(text).toContain('tributary_log_commit_seconds_count{log="agent"} 4');
  });
});
