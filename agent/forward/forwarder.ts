import { readFileSync } from 'node:fs';
import type { MqttClient, connect as MqttConnect } from 'mqtt';
import { Backoff } from '../../core/backoff.js';
import { Codec, type StoredBatch } from '../../core/log/batch.js';
import type { LogStore } from '../../core/log/store.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Counter, Metrics } from '../../core/metrics.js';
import { topics, type Hello, type Positions } from '../../core/protocol.js';
import type { AgentStatusReport, OfflineNotice } from '../../core/status.js';
import { resolveSecret } from '../flow/secrets.js';
import type { ForwardConfig } from './config.js';
import { buildWireBatch, type WireBatch } from './wire-batch.js';

/** The cursor name the forwarder keeps in the agent log: the next offset the hub has not acknowledged. */
export const FORWARD_CURSOR = 'forward';

export interface ForwarderOptions {
  agentId: string;
  agentVersion: string;
  config: ForwardConfig;
  store: LogStore;
  logger: Logger;
  metrics: Metrics;
  /** Called when the hub acknowledged records (room for a blocked buffer). */
  onAcknowledged(): void;
  /** The status heartbeat to publish on the forwarder's connection; none when absent. */
  status?: StatusChannel;
}

/** What the forwarder publishes on `topics.status` (docs/protocol.md, "Status"). */
export interface StatusChannel {
  intervalMs: number;
  /** The next report; `withFlowYaml` for the first one after each connect. */
  report(withFlowYaml: boolean): AgentStatusReport;
  /** The last will of a connection about to be opened (`connection_lost`). */
  lastWill(): OfflineNotice;
  /** The goodbye of a clean stop (`shutdown`). */
  shutdownNotice(): OfflineNotice;
}

interface PartitionLane {
  partition: number;
  /** Next offset to publish. */
  sendOffset: number;
  /** Published, waiting for the hub's PUBACK, in offset order. */
  inFlight: { end: number; acked: boolean }[];
}

/** Forwarder state for status reports. */
export interface ForwarderStatus {
  state: 'connecting' | 'connected' | 'disconnected' | 'stopped';
  detail?: string;
  /** Per partition: records the hub has not acknowledged yet. */
  lag: { partition: number; records: number }[];
}

const CURSOR_SAVE_INTERVAL_MS = 1000;
/** How long a clean stop waits for the hub to acknowledge the shutdown notice. */
const SHUTDOWN_NOTICE_TIMEOUT_MS = 1000;
/** How long a clean stop waits for acknowledgements of what is still in flight before dropping the connection. */
const END_TIMEOUT_MS = 2000;

/**
 * Publishes the agent log to the hub, partition by partition, in order, several batches in flight.
 * The forward cursor moves only on the hub's acknowledgement; after every (re)connect the hub says
 * where it stands (its positions) and sending resumes there. A fresh MQTT client per connection:
 * mqtt.js would otherwise resend its own in-flight messages, and the log is the source of truth.
 */
export class Forwarder {
  private client: MqttClient | undefined;
  private mqtt: { connect: typeof MqttConnect } | undefined;
  private lanes: PartitionLane[] = [];
  private state: ForwarderStatus['state'] = 'disconnected';
  private detail: string | undefined;
  private readonly backoff: Backoff;
  /** Exists at 0 from the start, so increase() sees the first disconnect. */
  private readonly disconnects: Counter;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private cursorTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private connection = 0;
  private rateWindowStart = 0;
  private rateWindowRecords = 0;

  constructor(private readonly options: ForwarderOptions) {
    this.backoff = new Backoff(options.config.reconnect_min_ms, options.config.reconnect_max_ms);
    this.disconnects = options.metrics.counter('tributary_forward_disconnects_total');
  }

  async start(): Promise<void> {
    this.mqtt = (await import('mqtt')).default;
    this.cursorTimer = setInterval(() => this.saveCursors(), CURSOR_SAVE_INTERVAL_MS);
    this.cursorTimer.unref();
    this.connect();
  }

  /** New records are durable in the log: send them. */
  onCommitted(): void {
    if (this.state === 'connected') this.pump();
  }

  status(): ForwarderStatus {
    const lag = [];
    for (let p = 0; p < this.options.store.partitions; p++) {
      const state = this.options.store.state(p);
      lag.push({ partition: p, records: state.nextOffset - (this.options.store.cursor(FORWARD_CURSOR, p) ?? state.startOffset) });
    }
    const s: ForwarderStatus = { state: this.state, lag };
    if (this.detail !== undefined) s.detail = this.detail;
    return s;
  }

  /** Stops sending and closes the connection; acknowledged positions are saved. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    for (const t of [this.reconnectTimer, this.stableTimer, this.lingerTimer]) if (t) clearTimeout(t);
    if (this.cursorTimer) clearInterval(this.cursorTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      if (client.connected) await this.sayGoodbye(client);
      // A clean DISCONNECT makes the broker discard the last will; past the timeout the hub is not answering.
      const ended = await withTimeout(client.endAsync(false).then(() => true, () => true), END_TIMEOUT_MS);
      if (!ended) await client.endAsync(true).catch(() => undefined);
    }
    this.saveCursors();
  }

  /** Publishes the shutdown notice (QoS 1) and waits a moment for its PUBACK. */
  private async sayGoodbye(client: MqttClient): Promise<void> {
    const status = this.options.status;
    if (!status) return;
    try {
      const sent = client.publishAsync(topics.status(this.options.agentId), JSON.stringify(status.shutdownNotice()), { qos: 1, retain: false });
      const acknowledged = await withTimeout(sent.then(() => true), SHUTDOWN_NOTICE_TIMEOUT_MS);
      if (!acknowledged) this.options.logger.warn({ timeoutMs: SHUTDOWN_NOTICE_TIMEOUT_MS }, 'the hub did not acknowledge the shutdown notice in time; it will see the connection close');
    } catch (error) {
      this.options.logger.warn({ err: error }, `could not send the shutdown notice: ${errorMessage(error)}`);
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const { config, agentId } = this.options;
    const connection = ++this.connection;
    this.state = 'connecting';
    let password: string | undefined;
    let ca: Buffer | undefined;
    try {
      password = config.password === undefined ? undefined : resolveSecret(config.password);
      ca = config.ca_file === undefined ? undefined : readFileSync(config.ca_file);
    } catch (error) {
      this.disconnected(connection, errorMessage(error));
      return;
    }
    const status = this.options.status;
    const client = this.mqtt!.connect(config.url, {
      clientId: `tributary-agent-${agentId}`,
      // The broker publishes this when the connection dies without a DISCONNECT: the hub marks the agent offline at once.
      will: status ? { topic: topics.status(agentId), payload: Buffer.from(JSON.stringify(status.lastWill())), qos: 1, retain: false } : undefined,
      username: config.username ?? agentId,
      password,
      ca,
      clean: true,
      reconnectPeriod: 0,
      keepalive: config.keepalive_s,
      connectTimeout: config.hello_timeout_ms,
      protocolVersion: 4,
    });
    this.client = client;
    client.on('error', (error) => this.disconnected(connection, errorMessage(error)));
    client.on('close', () => this.disconnected(connection, 'connection closed'));
    client.on('connect', () => void this.handshake(connection, client));
  }

  /** Subscribes to the positions topic, says hello, and resumes from the positions the hub answers. */
  private async handshake(connection: number, client: MqttClient): Promise<void> {
    const { agentId, store, config } = this.options;
    try {
      const positions = new Promise<Positions>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no positions from the hub within ${config.hello_timeout_ms} ms`)), config.hello_timeout_ms);
        client.on('message', (topic, payload) => {
          if (topic !== topics.positions(agentId)) return;
          try {
            const p = JSON.parse(payload.toString('utf8')) as Positions;
            if (p.logId !== store.logId) return;
            clearTimeout(timer);
            resolve(p);
          } catch (error) {
            reject(error as Error);
          }
        });
      });
      await client.subscribeAsync(topics.positions(agentId), { qos: 1 });
      const hello: Hello = { logId: store.logId, partitions: store.partitions, agentVersion: this.options.agentVersion };
      await client.publishAsync(topics.hello(agentId), JSON.stringify(hello), { qos: 1 });
      const hub = await positions;
      if (connection !== this.connection || this.stopped) return;
      this.resume(hub);
      this.state = 'connected';
      this.detail = undefined;
      this.options.logger.info({ hub: config.url, positions: hub.next }, 'connected to the hub; forwarding');
      this.stableTimer = setTimeout(() => this.backoff.reset(), config.stable_after_ms);
      this.pump();
      this.startStatus(connection, client);
    } catch (error) {
      this.disconnected(connection, `handshake failed: ${errorMessage(error)}`);
    }
  }

  /** Sets each partition's send offset (and cursor) to where the hub stands. */
  private resume(hub: Positions): void {
    const { store, logger } = this.options;
    this.lanes = [];
    for (let p = 0; p < store.partitions; p++) {
      const state = store.state(p);
      let next = hub.next[String(p)] ?? 0;
      if (next > state.nextOffset) {
        logger.error({ partition: p, hub: next, local: state.nextOffset }, 'the hub holds more of this log than the log itself (was the data dir restored from a backup?); sending from the hub position');
        next = state.nextOffset;
      }
      store.setCursor(FORWARD_CURSOR, p, next);
      this.lanes.push({ partition: p, sendOffset: next, inFlight: [] });
    }
    this.options.onAcknowledged();
  }

  private disconnected(connection: number, why: string): void {
    if (connection !== this.connection || this.stopped) return;
    this.connection++;
    const wasConnected = this.state === 'connected';
    this.state = 'disconnected';
    this.detail = why;
    for (const t of [this.stableTimer, this.lingerTimer]) if (t) clearTimeout(t);
    if (this.statusTimer) clearInterval(this.statusTimer);
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners();
    client?.on('error', () => undefined);
    client?.end(true);
    this.lanes = [];
    this.saveCursors();
    const delay = this.backoff.next();
    this.disconnects.inc();
    const log = { hub: this.options.config.url, why, retryInMs: delay };
    if (wasConnected || this.backoff.attempts === 1) this.options.logger.warn(log, 'hub connection lost; records stay in the log and are sent after reconnecting');
    else this.options.logger.debug(log, 'hub still unreachable');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** A report now (with the flow file), then one every interval while this connection lasts. */
  private startStatus(connection: number, client: MqttClient): void {
    const status = this.options.status;
    if (!status) return;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.publishStatus(connection, client, status, true);
    this.statusTimer = setInterval(() => this.publishStatus(connection, client, status, false), status.intervalMs);
    this.statusTimer.unref();
  }

  /** QoS 0, outside the batch lanes: a report never waits for, delays or counts as a batch. */
  private publishStatus(connection: number, client: MqttClient, status: StatusChannel, withFlowYaml: boolean): void {
    if (connection !== this.connection || this.state !== 'connected') return;
    const { metrics, logger, agentId } = this.options;
    let payload: string;
    try {
      payload = JSON.stringify(status.report(withFlowYaml));
    } catch (error) {
      metrics.inc('tributary_status_errors_total', { reason: 'build' });
      logger.error({ err: error }, `could not build the status report: ${errorMessage(error)}`);
      return;
    }
    client.publish(topics.status(agentId), payload, { qos: 0, retain: false }, (error) => {
      if (!error) {
        metrics.inc('tributary_status_reports_total');
        return;
      }
      // The connection is failing; its own error handling reconnects.
      metrics.inc('tributary_status_errors_total', { reason: 'publish' });
      logger.debug({ err: error }, 'status report not sent');
    });
  }

  /** Fills every partition's in-flight window from the log. */
  private pump(): void {
    const client = this.client;
    if (!client || this.state !== 'connected') return;
    const { config, store } = this.options;
    let lingering = false;
    for (const lane of this.lanes) {
      while (lane.inFlight.length < config.max_in_flight) {
        if (!this.rateAllows()) {
          this.scheduleRetry();
          return;
        }
        const state = store.state(lane.partition);
        if (lane.sendOffset >= state.nextOffset) break;
        let gapFrom: number | undefined;
        if (lane.sendOffset < state.startOffset) {
          // Retention or a drop_oldest policy removed records the hub never got: say so.
          gapFrom = lane.sendOffset;
          lane.sendOffset = state.startOffset;
        }
        // Read what one message takes, not more: batches read and not sent were read again for the next message.
        const read = store.read(lane.partition, lane.sendOffset, config.batch_max_bytes, config.batch_max_records);
        const batches = this.takeConsecutive(read.batches, lane.sendOffset);
        if (batches.length === 0) {
          const corrupt = read.corrupt[0];
          if (corrupt && corrupt.baseOffset + corrupt.count > lane.sendOffset) {
            gapFrom ??= lane.sendOffset;
            lane.sendOffset = corrupt.baseOffset + corrupt.count;
            continue;
          }
          break;
        }
        if (batches[0]!.baseOffset > lane.sendOffset) gapFrom ??= lane.sendOffset;
        const pending = batches.reduce((n, b) => n + b.count, 0);
        if (config.linger_ms > 0 && lane.inFlight.length === 0 && pending < config.batch_max_records && batches[batches.length - 1]!.appendTs > Date.now() - config.linger_ms) {
          lingering = true;
          break;
        }
        this.publish(client, lane, buildWireBatch(store.logId, batches, config.compression, gapFrom));
      }
    }
    if (lingering) this.scheduleRetry(config.linger_ms);
  }

  /** Stored batches from `from` on, consecutive, within the wire batch limits; merges only plain JSON ones. */
  private takeConsecutive(batches: StoredBatch[], from: number): StoredBatch[] {
    const { config } = this.options;
    const out: StoredBatch[] = [];
    let records = 0;
    let bytes = 0;
    for (const b of batches) {
      if (b.baseOffset + b.count <= from) continue;
      if (out.length > 0) {
        const last = out[out.length - 1]!;
        const fits = records + b.count <= config.batch_max_records && bytes + b.body.length <= config.batch_max_bytes;
        if (!fits || b.baseOffset !== last.baseOffset + last.count || b.codec !== Codec.json || last.codec !== Codec.json) break;
      }
      out.push(b);
      // Counted from `from`, as LogStore.read counts: the first batch may start before it.
      records += b.baseOffset + b.count - Math.max(from, b.baseOffset);
      bytes += b.body.length;
    }
    return out;
  }

  private publish(client: MqttClient, lane: PartitionLane, wire: WireBatch): void {
    const entry = { end: wire.end, acked: false };
    lane.inFlight.push(entry);
    lane.sendOffset = wire.end;
    this.rateWindowRecords += wire.count;
    const connection = this.connection;
    const started = performance.now();
    client.publish(topics.batches(this.options.agentId, wire.partition), wire.frame, { qos: 1 }, (error) => {
      if (connection !== this.connection) return;
      if (error) {
        this.disconnected(connection, `publish failed: ${errorMessage(error)}`);
        return;
      }
      this.options.metrics.inc('tributary_forward_ack_seconds_sum', {}, (performance.now() - started) / 1000);
      this.options.metrics.inc('tributary_forward_records_total', {}, wire.count);
      this.options.metrics.inc('tributary_forward_batches_total');
      entry.acked = true;
      this.acknowledge(lane);
      this.pump();
    });
  }

  /** Moves the cursor over the acknowledged prefix of the in-flight window. */
  private acknowledge(lane: PartitionLane): void {
    let moved: number | undefined;
    while (lane.inFlight.length > 0 && lane.inFlight[0]!.acked) moved = lane.inFlight.shift()!.end;
    if (moved === undefined) return;
    this.options.store.setCursor(FORWARD_CURSOR, lane.partition, moved);
    this.options.onAcknowledged();
  }

  private rateAllows(): boolean {
    const cap = this.options.config.max_records_per_sec;
    if (cap === 0) return true;
    const now = Date.now();
    if (now - this.rateWindowStart >= 1000) {
      this.rateWindowStart = now;
      this.rateWindowRecords = 0;
    }
    return this.rateWindowRecords < cap;
  }

  private scheduleRetry(delayMs = 50): void {
    if (this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.pump();
    }, delayMs);
  }

  private saveCursors(): void {
    try {
      this.options.store.saveCursors();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not save the forward cursor; it is saved with the next commit');
    }
  }
}

/** Resolves with the promise's value, or false when it takes longer than `ms`. */
function withTimeout(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.catch(() => false), timeout]).finally(() => clearTimeout(timer));
}
