import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { ConnectionGate, type GateViolation } from '../../../hub/broker/connection-gate.js';

/** The socket surface the gate uses; records what it does to it. */
class FakeSocket extends EventEmitter {
  paused = false;
  destroyed = false;
  written: Buffer[] = [];
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  write(chunk: Buffer): boolean {
    this.written.push(chunk);
    return true;
  }
  cork(): void {}
  uncork(): void {}
  end(): void {}
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

function remainingLength(length: number): number[] {
  const bytes: number[] = [];
  for (let rest = length; ; ) {
    const byte = rest % 128;
    rest = Math.floor(rest / 128);
    bytes.push(rest > 0 ? byte | 0x80 : byte);
    if (rest === 0) return bytes;
  }
}

/** A QoS 1 PUBLISH packet. */
function publishPacket(topic: string, payload: Buffer, messageId: number): Buffer {
  const topicBytes = Buffer.from(topic);
  const body = Buffer.concat([Buffer.from([topicBytes.length >> 8, topicBytes.length & 0xff]), topicBytes, Buffer.from([messageId >> 8, messageId & 0xff]), payload]);
  return Buffer.concat([Buffer.from([0x32, ...remainingLength(body.length)]), body]);
}

const PINGREQ = Buffer.from([0xc0, 0x00]);

function gateOn(limits: { maxPacketBytes: number; maxInFlight: number }) {
  const socket = new FakeSocket();
  const violations: GateViolation[] = [];
  const gate = new ConnectionGate(socket as unknown as Socket, limits, (violation) => violations.push(violation));
  const out: Buffer[] = [];
  gate.on('data', (chunk: Buffer) => out.push(chunk));
  return { socket, gate, violations, out: () => Buffer.concat(out) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConnectionGate', () => {
  test('hands on every byte unchanged, whatever the chunking (headers split across reads)', async () => {
    const { socket, out, violations } = gateOn({ maxPacketBytes: 1 << 20, maxInFlight: 100 });
    // a 200-byte payload needs a 2-byte remaining length: split inside it too
    const stream = Buffer.concat([publishPacket('a/b', Buffer.alloc(200, 7), 1), PINGREQ, publishPacket('a/c', Buffer.from('x'), 2), PINGREQ]);
    for (const byte of stream) socket.emit('data', Buffer.from([byte]));
    await tick();
    expect(out().equals(stream)).toBe(true);
    expect(violations).toEqual([]);
  });

  test('refuses a packet over the limit from its header, before the body, and closes the socket', async () => {
    const { socket, out, violations } = gateOn({ maxPacketBytes: 1024, maxInFlight: 100 });
    const big = publishPacket('a/b', Buffer.alloc(5000), 1);
    socket.emit('data', PINGREQ);
    // only the fixed header and two length bytes: the body never comes
    socket.emit('data', big.subarray(0, 2));
    socket.emit('data', big.subarray(2, 3));
    await tick();
    expect(violations).toEqual([{ kind: 'oversized_packet', packetBytes: big.length }]);
    expect(socket.destroyed).toBe(true);
    // the packets before it were handed on; nothing of the oversized one past its header
    expect(out().subarray(0, 2).equals(PINGREQ)).toBe(true);
    expect(out().length).toBeLessThanOrEqual(2 + 3);
  });

  test('a packet exactly at the limit passes', async () => {
    const packet = publishPacket('a/b', Buffer.alloc(100), 1);
    const { socket, out, violations } = gateOn({ maxPacketBytes: packet.length, maxInFlight: 100 });
    socket.emit('data', packet);
    await tick();
    expect(violations).toEqual([]);
    expect(out().equals(packet)).toBe(true);
  });

  test('a remaining length longer than 4 bytes is a malformed packet', async () => {
    const { socket, violations } = gateOn({ maxPacketBytes: 1 << 30, maxInFlight: 100 });
    socket.emit('data', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await tick();
    expect(violations).toEqual([{ kind: 'malformed_packet', detail: 'remaining length longer than 4 bytes' }]);
    expect(socket.destroyed).toBe(true);
  });

  test('holds publishes past maxInFlight and pauses the socket until some are released', async () => {
    const { socket, gate, out } = gateOn({ maxPacketBytes: 1 << 20, maxInFlight: 2 });
    const packets = [1, 2, 3, 4, 5].map((id) => publishPacket('a/b', Buffer.from(`p${id}`), id));
    socket.emit('data', Buffer.concat([...packets, PINGREQ]));
    await tick();
    expect(out().equals(Buffer.concat(packets.slice(0, 2)))).toBe(true);
    expect(gate.publishesInFlight).toBe(2);
    expect(socket.paused).toBe(true);

    gate.release();
    await tick();
    expect(out().equals(Buffer.concat(packets.slice(0, 3)))).toBe(true);
    expect(socket.paused).toBe(true);

    gate.release();
    gate.release();
    gate.release();
    await tick();
    expect(out().equals(Buffer.concat([...packets, PINGREQ]))).toBe(true);
    // five handed on, four released
    expect(gate.publishesInFlight).toBe(1);
    expect(socket.paused).toBe(false);
  });

  test('writes go to the socket; closing the socket ends the gate', async () => {
    const { socket, gate } = gateOn({ maxPacketBytes: 1024, maxInFlight: 1 });
    gate.write(Buffer.from([0x40, 0x02, 0x00, 0x01]));
    await tick();
    expect(Buffer.concat(socket.written)).toEqual(Buffer.from([0x40, 0x02, 0x00, 0x01]));
    const closed = new Promise<void>((resolve) => gate.once('close', () => resolve()));
    socket.destroy();
    await closed;
    expect(gate.destroyed).toBe(true);
  });
});
