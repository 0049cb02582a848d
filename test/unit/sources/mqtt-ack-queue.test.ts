import { describe, expect, it } from 'vitest';
import { ConnectionAcks } from '../../../agent/sources/mqtt/ack-queue.js';
import { Backoff } from '../../../core/backoff.js';

describe('connection acks', () => {
  function queue(): { acks: ConnectionAcks; sent: number[]; writes: number[][]; released: number[] } {
    const sent: number[] = [];
    const writes: number[][] = [];
    const released: number[] = [];
    const acks = new ConnectionAcks(
      (ids) => {
        writes.push(ids);
        sent.push(...ids);
      },
      (n) => released.push(n),
    );
    return { acks, sent, writes, released };
  }

  /** Releases run as a microtask after the synchronous work that marked messages durable. */
  const released = () => new Promise<void>((resolve) => queueMicrotask(resolve));

  it('sends PUBACKs in arrival order, each once its message is durable', async () => {
    const q = queue();
    const [a, b, c] = [q.acks.add(1), q.acks.add(2), q.acks.add(3)];
    c!.durable();
    b!.durable();
    await released();
    expect(q.sent).toEqual([]);
    expect(q.acks.pending).toBe(3);
    a!.durable();
    await released();
    expect(q.sent).toEqual([1, 2, 3]);
    expect(q.released).toEqual([3]);
    expect(q.acks.pending).toBe(0);
  });

  it('writes the PUBACKs of messages made durable together (one commit) in one write', async () => {
    const q = queue();
    const tickets = Array.from({ length: 300 }, (_, i) => q.acks.add(i + 1));
    for (const t of tickets.slice(0, 200)) t.durable();
    await released();
    for (const t of tickets.slice(200)) t.durable();
    await released();
    expect(q.writes.map((w) => w.length)).toEqual([200, 100]);
    expect(q.sent).toEqual(tickets.map((t) => t.messageId));
  });

  it('abandons what is pending when the connection closes and never sends it later', async () => {
    const q = queue();
    const a = q.acks.add(7);
    const b = q.acks.add(8);
    a.durable();
    await released();
    expect(q.acks.close()).toBe(1);
    b.durable();
    await released();
    expect(q.sent).toEqual([7]);
    expect(q.acks.close()).toBe(0);
  });

  it('sends nothing when the connection closes between a commit and its release', async () => {
    const q = queue();
    q.acks.add(1).durable();
    expect(q.acks.close()).toBe(1);
    await released();
    expect(q.sent).toEqual([]);
  });

  it('keeps order across many messages (compaction)', async () => {
    const q = queue();
    const tickets = Array.from({ length: 5000 }, (_, i) => q.acks.add(i % 65535 + 1));
    for (const t of tickets.slice(0, 2500)) t.durable();
    await released();
    for (const t of tickets.slice(2500).reverse()) t.durable();
    await released();
    expect(q.sent).toEqual(tickets.map((t) => t.messageId));
  });
});

describe('backoff', () => {
  it('doubles the ceiling per attempt up to the maximum, with full jitter', () => {
    const top = new Backoff(100, 1000, () => 0.999999);
    expect([top.next(), top.next(), top.next(), top.next(), top.next()]).toEqual([100, 200, 400, 800, 1000]);
    const bottom = new Backoff(100, 1000, () => 0);
    expect(bottom.next()).toBe(0);
    expect(bottom.attempts).toBe(1);
  });

  it('starts over after a reset', () => {
    const backoff = new Backoff(100, 10_000, () => 0.999999);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});
