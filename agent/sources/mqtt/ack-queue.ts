/** A QoS 1 message waiting for its record to become durable before it is acknowledged. */
export interface AckTicket {
  readonly messageId: number;
  /** Marks the message durable; its PUBACK goes out once every earlier message of the connection is durable too. */
  durable(): void;
}

/** A class rather than an object with a closure: one small object per message, at tens of thousands a second. */
class Entry implements AckTicket {
  done = false;

  constructor(
    readonly messageId: number,
    private readonly queue: ConnectionAcks,
  ) {}

  durable(): void {
    this.done = true;
    this.queue.scheduleRelease();
  }
}

/**
 * The unacknowledged QoS 1 messages of one broker connection, released in arrival order
 * (MQTT 3.1.1 §4.6: PUBACKs go out in the order the PUBLISH packets came in), each only once
 * durable. Packet ids belong to the connection's session: when the connection closes, whatever is
 * still here is abandoned, never sent on a later connection, and the broker redelivers it.
 */
export class ConnectionAcks {
  private readonly entries: Entry[] = [];
  private head = 0;
  private closed = false;
  private releaseScheduled = false;

  constructor(
    /** Writes the PUBACKs of one release, in order, as one write; called only while this connection is open. */
    private readonly sendPubacks: (messageIds: number[]) => void,
    /** Called with the number of messages acknowledged in one release. */
    private readonly onAcked: (count: number) => void,
  ) {}

  /** Registers a message as it arrives. */
  add(messageId: number): AckTicket {
    const entry = new Entry(messageId, this);
    this.entries.push(entry);
    return entry;
  }

  /**
   * Releases once the current synchronous work is done: a commit marks hundreds of messages durable in
   * one loop, and their PUBACKs then leave in one write instead of one write (a syscall) each.
   */
  scheduleRelease(): void {
    if (this.releaseScheduled || this.closed) return;
    this.releaseScheduled = true;
    queueMicrotask(() => {
      this.releaseScheduled = false;
      this.release();
    });
  }

  /** Messages not yet acknowledged. */
  get pending(): number {
    return this.closed ? 0 : this.entries.length - this.head;
  }

  /** The connection is gone: returns how many messages stay unacknowledged (the broker will redeliver them). */
  close(): number {
    if (this.closed) return 0;
    const abandoned = this.pending;
    this.closed = true;
    this.entries.length = 0;
    this.head = 0;
    return abandoned;
  }

  private release(): void {
    if (this.closed) return;
    // One write per release: hundreds of 4-byte writes per commit piled up in the socket's queue.
    const ids: number[] = [];
    while (this.head < this.entries.length && this.entries[this.head]!.done) {
      ids.push(this.entries[this.head]!.messageId);
      this.head++;
    }
    const acked = ids.length;
    if (acked > 0) this.sendPubacks(ids);
    // Compact now and then rather than shifting on every release.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (acked > 0) this.onAcked(acked);
  }
}
