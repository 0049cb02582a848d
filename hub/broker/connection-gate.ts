import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

const PUBLISH = 3;

/** What a gate enforces on one connection. */
export interface GateLimits {
  /** Largest MQTT packet, fixed header included. */
  maxPacketBytes: number;
  /** Publishes handed to the broker and not yet `release`d. */
  maxInFlight: number;
}

/** Why a gate closed its connection. */
export type GateViolation = { kind: 'oversized_packet'; packetBytes: number } | { kind: 'malformed_packet'; detail: string };

/**
 * Sits between a client's socket and aedes (which reads it as its connection): it follows the MQTT
 * framing, so it can refuse an oversized packet from its header, before the body is buffered (aedes and
 * mqtt-packet have no size limit and would buffer it whole), and it holds back the next PUBLISH while
 * `maxInFlight` of them await `release`, pausing the socket (TCP backpressure to the client).
 */
export class ConnectionGate extends Duplex {
  private readonly pending: Buffer[] = [];
  /** Bytes of pending[0] already handed on. */
  private offset = 0;
  private inFlight = 0;
  private socketEnded = false;
  private endPushed = false;
  private readWanted = true;
  // framing state of the packet being handed on
  private state: 'header' | 'length' | 'body' = 'header';
  private length = 0;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(
    readonly socket: Socket,
    private readonly limits: GateLimits,
    private readonly onViolation: (violation: GateViolation) => void,
  ) {
    super({ allowHalfOpen: false });
    socket.on('data', (chunk: Buffer) => {
      this.pending.push(chunk);
      this.pump();
    });
    socket.on('end', () => {
      this.socketEnded = true;
      this.pump();
    });
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  /** One publish handed on earlier has been answered: the gate may hand on another. */
  release(): void {
    if (this.inFlight > 0) this.inFlight--;
    if (!this.destroyed) this.pump();
  }

  /** Publishes handed on and not yet released. */
  get publishesInFlight(): number {
    return this.inFlight;
  }

  override _read(): void {
    this.readWanted = true;
    this.pump();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.write(chunk)) callback();
    else this.socket.once('drain', () => callback());
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.socket.cork();
    let flowing = true;
    for (const { chunk } of chunks) flowing = this.socket.write(chunk);
    this.socket.uncork();
    if (flowing) callback();
    else this.socket.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  /** Hands on what it may, then pauses or resumes the socket accordingly. */
  private pump(): void {
    let blocked = false;
    while (!blocked && this.readWanted && this.pending.length > 0 && !this.destroyed) {
      const chunk = this.pending[0]!;
      const start = this.offset;
      let i = start;
      while (i < chunk.length) {
        if (this.state === 'header') {
          if (chunk[i]! >> 4 === PUBLISH) {
            if (this.inFlight >= this.limits.maxInFlight) {
              blocked = true;
              break;
            }
            this.inFlight++;
          }
          this.state = 'length';
          this.length = 0;
          this.lengthBytes = 0;
          i++;
        } else if (this.state === 'length') {
          const byte = chunk[i++]!;
          this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
          this.lengthBytes++;
          if (byte & 0x80) {
            if (this.lengthBytes === 4) return this.violate({ kind: 'malformed_packet', detail: 'remaining length longer than 4 bytes' });
            continue;
          }
          const packetBytes = 1 + this.lengthBytes + this.length;
          if (packetBytes > this.limits.maxPacketBytes) return this.violate({ kind: 'oversized_packet', packetBytes });
          this.remaining = this.length;
          this.state = this.remaining === 0 ? 'header' : 'body';
        } else {
          const take = Math.min(this.remaining, chunk.length - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'header';
        }
      }
      if (i === chunk.length) {
        this.pending.shift();
        this.offset = 0;
      } else {
        this.offset = i;
      }
      if (i > start && !this.push(start === 0 && i === chunk.length ? chunk : chunk.subarray(start, i))) this.readWanted = false;
    }
    if (this.pending.length === 0 && this.socketEnded && !this.endPushed) {
      this.endPushed = true;
      this.push(null);
    }
    // hold the socket while something waits here: the kernel buffers fill and the client slows down
    if (this.pending.length > 0) this.socket.pause();
    else if (!this.socket.destroyed) this.socket.resume();
  }

  private violate(violation: GateViolation): void {
    this.pending.length = 0;
    this.onViolation(violation);
    this.destroy();
  }
}
