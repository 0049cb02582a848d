import type { IPublishPacket, MqttClient } from 'mqtt';

/**
 * How the source takes PUBACKs away from mqtt.js 5 (read in node_modules/mqtt/build/lib: client.js
 * `connect()`/`work()`, handlers/publish.js), and why not with `customHandleAcks`:
 *
 * - `customHandleAcks` is ignored unless `protocolVersion` is 5 (client.js replaces it with an
 *   immediate `done(null, 0)`), and aedes (our hub and test broker) speaks 3.1.1 only.
 * - Incoming packets are handled strictly one at a time: the next one is parsed only after the
 *   handler's `done`, and the socket is not read meanwhile. For QoS 1, `done` runs after the PUBACK
 *   is written, which happens after `customHandleAcks`' callback and then `handleMessage`'s
 *   callback. Holding either until the record is durable therefore serializes the whole stream:
 *   one message per log commit, no pipelining.
 * - `handleMessage`'s callback, given an error, returns to `done` without writing the PUBACK (and
 *   without emitting 'error'). So the handler below answers every QoS 1 message at once with
 *   `ACK_LATER` (the stream keeps flowing) and the PUBACK is written later by `sendPubacks`, once the
 *   record is durable. Holding the callback is kept for what it is good at: backpressure when too
 *   many messages are in flight.
 *
 * These are mqtt.js internals (the error branch, writing to `client.stream`); the MQTT integration tests pin
 * both behaviours (pipelining with withheld acks, redelivery of unacknowledged messages).
 */
export const ACK_LATER = new Error('PUBACK deferred until the record is durable (tributary)');

/** Answers mqtt.js for one message: `ackLater` for QoS 1 (no automatic PUBACK), plain for QoS 0. */
export type MessageHandler = (packet: IPublishPacket, release: () => void) => void;

/** Routes every incoming PUBLISH to `handler` and stops mqtt.js from acknowledging QoS 1 messages itself. */
export function takeOverAcks(client: MqttClient, handler: MessageHandler): void {
  client.handleMessage = (packet, callback) => {
    const qos = packet.qos;
    handler(packet, () => (qos > 0 ? callback(ACK_LATER) : callback()));
  };
}

/**
 * Writes PUBACKs for `messageIds` on the client's current connection (the caller checks it is the
 * right one) as one buffer: a PUBACK is 4 bytes (0x40, remaining length 2, packet id). Written as
 * whole packets in one synchronous write, they cannot interleave with mqtt.js's own packets.
 */
export function sendPubacks(client: MqttClient, messageIds: number[]): void {
  const packets = Buffer.allocUnsafe(4 * messageIds.length);
  messageIds.forEach((id, i) => {
    packets[4 * i] = 0x40;
    packets[4 * i + 1] = 0x02;
    packets.writeUInt16BE(id, 4 * i + 2);
  });
  client.stream.write(packets);
}
