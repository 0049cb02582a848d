import type { LogStore } from '../../core/log/store.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';

export interface HubRetentionOptions {
  /** Total bytes the hub log may hold, split evenly across partitions. */
  maxBytes: number;
  maxAgeMs: number;
  intervalMs?: number;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Deletes whole batches from the hub log past its size or age limit, oldest first. Consumer groups
 * that had not read them yet see the loss reported (consumer groups issue), not hidden.
 */
export class HubRetention {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: LogStore,
    private readonly options: HubRetentionOptions,
  ) {
    this.timer = setInterval(() => this.run(), options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /** One pass over every partition; returns the records deleted. */
  run(now = Date.now()): number {
    const cap = Math.floor(this.options.maxBytes / this.store.partitions);
    const oldest = now - this.options.maxAgeMs;
    let deleted = 0;
    try {
      for (let p = 0; p < this.store.partitions; p++) {
        let bytes = this.store.state(p).bytes;
        const result = this.store.deleteOldest(p, (b) => {
          const go = b.appendTs < oldest || bytes > cap;
          if (go) bytes -= b.bytes;
          return go;
        });
        if (result.records > 0) this.options.metrics.inc('tributary_hub_retention_deleted_records_total', { partition: String(p) }, result.records);
        deleted += result.records;
      }
    } catch (error) {
      this.options.logger.error({ err: error }, 'hub log retention failed; will retry');
    }
    return deleted;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
