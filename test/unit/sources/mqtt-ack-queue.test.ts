import { describe, expect, it } from 'vitest';
import { ConnectionAcks } from '../../../agent/sources/mqtt/ack-queue.js';
import { Backoff } from '../../../core/backoff.js';

describe('connection acks', () => {
  function queue(): { acks: ConnectionAcks; sent: number[]; released: number[] } {
    const sent: number[] = [];
    const released: number[] = [];
    const acks = new ConnectionAcks((ids) => sent.push(...ids), (n) => released.push(n));
    return { acks, sent, released };
  }

  it('sends PUBACKs in arrival order, each once its message is durable', () => {
    const { acks, sent, released } = queue();
    const [a, b, c] = [acks.add(1), acks.add(2), acks.add(3)];
    c!.durable();
    b!.durable();
    expect(sent).toEqual([]);
    expect(acks.pending).toBe(3);
    a!.durable();
    expect(sent).toEqual([1, 2, 3]);
    expect(released).toEqual([3]);
    expect(acks.pending).toBe(0);
  });

  it('abandons what is pending when the connection closes and never sends it later', () => {
    const { acks, sent } = queue();
    const a = acks.add(7);
    const b = acks.add(8);
    a.durable();
    expect(acks.close()).toBe(1);
    b.durable();
    expect(sent).toEqual([7]);
    expect(acks.close()).toBe(0);
  });

  it('keeps order across many messages (compaction)', () => {
    const { acks, sent } = queue();
    const tickets = Array.from({ length: 5000 }, (_, i) => acks.add(i % 65535 + 1));
    for (const t of tickets.slice(0, 2500)) t.durable();
    for (const t of tickets.slice(2500).reverse()) t.durable();
    expect(sent).toEqual(tickets.map((t) => t.messageId));
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
