import { EventEmitter } from 'node:events';
import type { LogStore } from '../../core/log/store.js';

const POLL_MS = 50;

/**
 * Wakes long-polling fetches when records are appended. Whoever appends may call `notify()`; waiters
 * also look at the log end every 50 ms (an in-memory read), so a missed call only costs latency.
 */
export class AppendNotifier extends EventEmitter<{ appended: [] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }

  private scheduled = false;

  /** Tells waiters the log may have grown; calls within one turn of the event loop wake them once. */
  notify(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.emit('appended');
    });
  }

  /** Resolves once `partition` has records at or past `offset`, after `waitMs`, or when `signal` aborts; true when data is there. */
  waitForData(store: LogStore, partition: number, offset: number, waitMs: number, signal?: AbortSignal): Promise<boolean> {
    const ready = () => store.state(partition).nextOffset > offset;
    if (ready() || waitMs <= 0 || signal?.aborted) return Promise.resolve(ready());
    return new Promise<boolean>((resolve) => {
      const check = () => {
        if (ready()) finish();
      };
      const finish = () => {
        clearInterval(poll);
        clearTimeout(deadline);
        this.off('appended', check);
        signal?.removeEventListener('abort', finish);
        resolve(ready());
      };
      const poll = setInterval(check, POLL_MS);
      const deadline = setTimeout(finish, waitMs);
      this.on('appended', check);
      signal?.addEventListener('abort', finish);
    });
  }
}
