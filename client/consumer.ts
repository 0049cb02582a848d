import type { DataRecord } from '../core/record.js';
import { HubApiError, HubHttp } from './http.js';

export { HubApiError } from './http.js';

export interface ConsumerOptions {
  /** The hub's HTTP API, e.g. http://127.0.0.1:8080. */
  url: string;
  group: string;
  /** The hub's `api.token`. */
  token?: string;
  /** A stable id of this instance: restarting within the session timeout keeps its partitions (and close() does not leave). */
  staticId?: string;
  sessionTimeoutMs?: number;
  /** Where a new group starts: `earliest` or `latest` (the hub's default when absent). */
  offsetReset?: 'earliest' | 'latest';
  /** Bytes per fetch (about; at least one batch). */
  maxBytes?: number;
  /** Long-poll time of a fetch when the partition has nothing new. */
  waitMs?: number;
  /** Called with errors the consumer retries (network, hub restart). */
  onError?: (error: unknown) => void;
}

/** A record with where it came from. */
export interface ConsumedRecord extends DataRecord {
  partition: number;
  offset: number;
}

/** One fetch's worth of records of one partition; committed after `eachBatch` resolves. */
export interface ConsumedBatch {
  topic: string;
  partition: number;
  lease: number;
  records: ConsumedRecord[];
  /** Offset committed once the batch is handled. */
  nextOffset: number;
  logEnd: number;
  /** Records deleted by retention before the group read them. */
  lost?: { from: number; to: number };
}

export interface RunOptions {
  eachBatch(batch: ConsumedBatch): Promise<void> | void;
}

interface Grant {
  topic: string;
  partition: number;
  lease: number;
  offset: number;
}

interface AssignmentAnswer {
  member_id: string;
  heartbeat_interval_ms: number;
  assignment: Grant[];
  revoke: number[];
  pending: number[];
}

interface FetchAnswer {
  records: (DataRecord & { offset: number })[];
  next_offset: number;
  log_end: number;
  lost?: { from: number; to: number };
  heartbeat_now?: boolean;
}

interface Held {
  grant: Grant;
  offset: number;
  revoking: boolean;
  fetching: AbortController;
  done: Promise<void>;
}

const TOPIC = 'records';

/**
 * A consumer group member over the hub's HTTP API: joins, heartbeats on the hub's suggested interval,
 * fetches each partition it holds from the committed offset (long-poll), hands batches to `eachBatch`
 * and commits after each. On a revocation it finishes the batch in hand, commits, then tells the hub.
 */
export class Consumer {
  private readonly http: HubHttp;
  private readonly group: string;
  private member: string | undefined;
  private readonly held = new Map<number, Held>();
  private intervalMs = 1000;
  private closed = false;
  private failure: unknown;
  private wakeUp: (() => void) | undefined;
  private wakeRequested = false;
  private eachBatch: RunOptions['eachBatch'] = () => undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: ConsumerOptions) {
    this.http = new HubHttp(options.url, options.token);
    this.group = encodeURIComponent(options.group);
  }

  /** The member id the hub gave this consumer (after it joined). */
  get memberId(): string | undefined {
    return this.member;
  }

  /** Partitions held now. */
  partitions(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Joins the group and consumes until `close()`; rejects with the error of a failed `eachBatch` (its batch is not committed). */
  async run(options: RunOptions): Promise<void> {
    if (this.running) throw new Error('this consumer is already running');
    this.eachBatch = options.eachBatch;
    // The hub may be restarting: retry what can pass; a refusal (bad group name, wrong token) cannot.
    for (;;) {
      try {
        await this.join();
        break;
      } catch (error) {
        if (this.closed) return;
        if (error instanceof HubApiError && error.status < 500) throw error;
        this.report(error);
        await sleep(500);
      }
    }
    this.running = this.heartbeatLoop();
    await this.running;
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * The records of every partition this consumer holds, as they come. A batch is committed when the
   * loop asks for the record after its last one; leaving the loop (break, throw) closes the consumer
   * without committing the batch in hand, which the group then delivers again.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumedRecord> {
    const queue: { batch: ConsumedBatch; done(): void; cancel(error: Error): void }[] = [];
    let arrived: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    const running = this.run({
      eachBatch: (batch) =>
        new Promise<void>((resolve, reject) => {
          queue.push({ batch, done: resolve, cancel: reject });
          arrived?.();
        }),
    });
    running.then(
      () => undefined,
      (error: unknown) => {
        failure = error;
      },
    ).finally(() => {
      finished = true;
      arrived?.();
    });
    let current: (typeof queue)[number] | undefined;
    try {
      for (;;) {
        current = queue.shift();
        if (current === undefined) {
          if (finished) break;
          await new Promise<void>((resolve) => (arrived = resolve));
          arrived = undefined;
          continue;
        }
        for (const record of current.batch.records) yield record;
        current.done();
        current = undefined;
      }
      if (failure !== undefined && !(failure instanceof IteratorClosed)) throw failure;
    } finally {
      // Batches not (fully) handed out are not committed: their eachBatch fails with IteratorClosed.
      for (const item of current === undefined ? queue : [current, ...queue]) item.cancel(new IteratorClosed());
      await this.close();
      await running.catch(() => undefined);
    }
  }

  /** Finishes the batches in hand (committing them), then leaves the group (a static member stays, to come back). */
  async close(): Promise<void> {
    if (this.closed) return this.running;
    this.closed = true;
    for (const h of this.held.values()) h.fetching.abort();
    this.wake();
    await this.running;
  }

  private async join(): Promise<void> {
    const body: Record<string, unknown> = {};
    if (this.member !== undefined) body.member_id = this.member;
    if (this.options.staticId !== undefined) body.static_id = this.options.staticId;
    if (this.options.sessionTimeoutMs !== undefined) body.session_timeout_ms = this.options.sessionTimeoutMs;
    if (this.options.offsetReset !== undefined) body.offset_reset = this.options.offsetReset;
    const answer = await this.http.request<AssignmentAnswer>('POST', `/v1/groups/${this.group}/members`, body);
    this.member = answer.member_id;
    this.apply(answer);
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.closed) {
      await new Promise<void>((resolve) => {
        if (this.wakeRequested) return resolve();
        const timer = setTimeout(resolve, this.intervalMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
      this.wakeRequested = false;
      if (this.closed) break;
      try {
        const answer = await this.http.request<AssignmentAnswer>('POST', `/v1/groups/${this.group}/members/${encodeURIComponent(this.member!)}/heartbeat`, { owned: this.partitions() });
        this.apply(answer);
      } catch (error) {
        if (error instanceof HubApiError && error.code === 'ERR_GROUP_UNKNOWN_MEMBER') {
          // Expired (or the hub restarted): what it held may be someone else's already.
          await this.dropAll();
          await this.join().catch((e: unknown) => this.report(e));
        } else {
          this.report(error);
        }
      }
    }
    await this.dropAll();
    if (this.member !== undefined && this.options.staticId === undefined) {
      await this.http.request('DELETE', `/v1/groups/${this.group}/members/${encodeURIComponent(this.member)}`).catch((e: unknown) => this.report(e));
    }
  }

  private apply(answer: AssignmentAnswer): void {
    this.intervalMs = answer.heartbeat_interval_ms;
    for (const partition of answer.revoke) {
      const h = this.held.get(partition);
      if (h && !h.revoking) {
        h.revoking = true;
        h.fetching.abort();
      }
    }
    for (const grant of answer.assignment) {
      if (answer.revoke.includes(grant.partition)) continue;
      const h = this.held.get(grant.partition);
      if (h?.grant.lease === grant.lease) continue;
      if (h) {
        // Granted again under a new lease (the hub released it meanwhile): stop the old loop, start over from the hub's offset.
        h.revoking = true;
        h.fetching.abort();
        continue;
      }
      this.start(grant);
    }
  }

  private start(grant: Grant): void {
    const h: Held = { grant, offset: grant.offset, revoking: false, fetching: new AbortController(), done: Promise.resolve() };
    this.held.set(grant.partition, h);
    h.done = this.consume(h).finally(() => {
      if (this.held.get(grant.partition) === h) this.held.delete(grant.partition);
      // Tell the hub at once that the partition is free.
      this.wake();
    });
  }

  private async consume(h: Held): Promise<void> {
    const { partition, lease } = h.grant;
    while (!h.revoking && !this.closed) {
      let answer: FetchAnswer;
      try {
        const query = `offset=${h.offset}&wait_ms=${this.options.waitMs ?? 500}&group=${this.group}&member=${encodeURIComponent(this.member!)}&lease=${lease}${this.options.maxBytes === undefined ? '' : `&max_bytes=${this.options.maxBytes}`}`;
        answer = await this.http.request<FetchAnswer>('GET', `/v1/topics/${TOPIC}/partitions/${partition}/records?${query}`, undefined, h.fetching.signal);
      } catch (error) {
        if (h.fetching.signal.aborted) break;
        this.report(error);
        // Not (or no longer) the owner under this lease: stop; the heartbeat sorts out the rest.
        if (error instanceof HubApiError && (error.status === 409 || error.status === 404)) break;
        await sleep(500);
        continue;
      }
      // The hub says the group is rebalancing: heartbeat now rather than at the next interval.
      if (answer.heartbeat_now === true) this.wake();
      if (answer.next_offset === h.offset) continue;
      if (answer.records.length > 0) {
        const batch: ConsumedBatch = { topic: TOPIC, partition, lease, records: answer.records.map((r) => ({ ...r, partition })), nextOffset: answer.next_offset, logEnd: answer.log_end };
        if (answer.lost) batch.lost = answer.lost;
        try {
          await this.eachBatch(batch);
        } catch (error) {
          this.failure ??= error;
          void this.close();
          return;
        }
      }
      try {
        await this.http.request('POST', `/v1/groups/${this.group}/commit`, { member_id: this.member, partition, lease, offset: answer.next_offset });
        h.offset = answer.next_offset;
      } catch (error) {
        this.report(error);
        if (error instanceof HubApiError && error.status === 409) return; // fenced: the partition is someone else's
        if (error instanceof HubApiError && error.status === 404) return;
        await sleep(500);
      }
    }
  }

  private async dropAll(): Promise<void> {
    for (const h of this.held.values()) {
      h.revoking = true;
      h.fetching.abort();
    }
    await Promise.all([...this.held.values()].map((h) => h.done));
    this.held.clear();
  }

  /** Heartbeats now, or right after the heartbeat in flight. */
  private wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  private report(error: unknown): void {
    this.options.onError?.(error);
  }
}

/** The reason the batches of a left `for await` loop are not committed. */
class IteratorClosed extends Error {
  constructor() {
    super('the record iterator was closed before the batch was consumed');
    this.name = 'IteratorClosed';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
