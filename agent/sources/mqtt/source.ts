import { isUtf8 } from 'node:buffer';
import type { IConnackPacket, IPublishPacket, ISubscriptionMap, MqttClient } from 'mqtt';
import { errorMessage } from '../../../core/errors.js';
import type { Counter, Gauge } from '../../../core/metrics.js';
import type { DataRecord } from '../../../core/record.js';
import { SharedAttrs } from '../shared-attrs.js';
import type { Source, SourceContext, SourceHealth } from '../../component.js';
import { createParser, type Parser } from '../../parsers/index.js';
import { ConnectionAcks, type AckTicket } from './ack-queue.js';
import { Backoff } from '../../../core/backoff.js';
import { mqttClientOptions } from './client-options.js';
import type { MqttSourceConfig } from './config.js';
import { sendPubacks, takeOverAcks } from './manual-acks.js';
import { topicLevel } from './topics.js';

/** Metric names of the source (labels: `source`, and `reason` where noted). */
export const mqttSourceMetrics = {
  messages: 'tributary_source_messages_total',
  /** Labels `reason`: `encoding` (not UTF-8), `parse` (the parser refused it), `topic_key` (no topic level for the key). */
  badPayloads: 'tributary_source_bad_payloads_total',
  /** Gauge: QoS 1 messages received whose PUBACK waits for the record to be durable. */
  acksPending: 'tributary_source_acks_pending',
  /** Labels `reason`: `connection_lost`, `stopping`. The broker redelivers these later (persistent session). */
  acksWithheld: 'tributary_source_acks_withheld_total',
  /** Messages whose record (or dead letter) could not be stored: emit rejected. */
  emitFailures: 'tributary_source_emit_failures_total',
  reconnects: 'tributary_source_reconnects_total',
} as const;

/**
 * Subscribes to an MQTT broker and emits one record per message. A QoS 1 message is acknowledged
 * only after `emit` (or `deadLetter`) resolved, i.e. once it is durable; until then the broker keeps
 * it and, with a persistent session, redelivers it after a reconnect or an agent crash. Messages
 * keep flowing while earlier ones wait (see manual-acks.ts), up to `max_in_flight`.
 */
export class MqttSource implements Source {
  private client: MqttClient | undefined;
  private readonly parser: Parser;
  private readonly backoff: Backoff;
  private readonly labels: { source: string };
  private state: SourceHealth = { state: 'starting' };
  private lastError: string | undefined;

  /** Acks of the connection messages are currently arriving on. */
  private acks: { stream: unknown; queue: ConnectionAcks } | undefined;
  private acksPending = 0;
  // Bound once: these change per message, and building a series key each time cost ~7% CPU.
  private readonly messagesCounter: Counter;
  private readonly acksPendingGauge: Gauge;
  private inFlight = 0;
  /** mqtt.js's continuation, held while `max_in_flight` messages wait: no more reads from the broker. */
  private waitingForRoom: (() => void) | undefined;
  private drained: (() => void) | undefined;

  /** Records of this turn of the event loop, emitted together; `tickets[i]` acknowledges `records[i]`'s message. */
  private records: DataRecord[] = [];
  /** One frozen attrs object per topic, shared by its records. */
  private readonly attrsByTopic = new SharedAttrs();
  private tickets: (AckTicket | undefined)[] = [];
  private flushTimer: NodeJS.Immediate | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private subscribedOnce = false;
  /** Bumped per connection, so a late SUBACK callback of a closed connection is ignored. */
  private connectionGeneration = 0;
  /** Set when storing failed, cleared by the next success: keeps the backoff growing across reconnects meanwhile. */
  private storeFailing = false;
  private firstAttempt: (() => void) | undefined;
  private stopping = false;

  constructor(
    private readonly config: MqttSourceConfig,
    private readonly context: SourceContext,
  ) {
    this.parser = createParser(config.parser);
    this.backoff = new Backoff(config.reconnect_min_ms, config.reconnect_max_ms);
    this.labels = { source: context.id };
    this.messagesCounter = context.metrics.counter(mqttSourceMetrics.messages, this.labels);
    this.acksPendingGauge = context.metrics.gauge(mqttSourceMetrics.acksPending, this.labels);
  }

  /** Connects; resolves once subscribed, or after the first attempt failed (retries continue in the background). */
  async start(): Promise<void> {
    if (this.client) throw new Error('MqttSource.start called twice');
    const options = mqttClientOptions(this.config, this.context.id);
    // Loaded on first use: mqtt.js costs ~19 MiB of RSS in agents without MQTT.
    const { default: mqtt } = await import('mqtt');
    const client = mqtt.connect(this.config.url, options);
    this.client = client;
    takeOverAcks(client, (packet, release) => this.onMessage(packet, release));
    client.on('connect', (connack) => this.onConnect(connack));
    client.on('close', () => this.onClose());
    client.on('error', (error) => this.onError(error));
    const attempted = new Promise<void>((resolve) => (this.firstAttempt = resolve));
    this.context.logger.info({ url: this.config.url, clientId: options.clientId, cleanSession: this.config.clean_session }, 'mqtt source connecting');
    client.connect();
    await attempted;
  }

  /**
   * Stops emitting, waits up to `stop_timeout_ms` for messages in flight to become durable (their
   * PUBACKs go out), then disconnects. Anything still unacknowledged is redelivered by the broker later.
   */
  async stop(): Promise<void> {
    if (this.stopping || !this.client) {
      this.state = { ...this.state, state: 'stopped' };
      return;
    }
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.flush();
    if (this.inFlight > 0) {
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      const timedOut = await raceTimeout(drained, this.config.stop_timeout_ms);
      if (timedOut) {
        this.context.logger.warn({ inFlight: this.inFlight }, `mqtt source stopped with ${this.inFlight} message(s) not yet durable; the broker will redeliver them`);
      }
    }
    this.abandonAcks('stopping');
    await endClient(this.client, 2000);
    this.state = { ...this.state, state: 'stopped', detail: 'stopped' };
    this.firstAttempt?.();
  }

  health(): SourceHealth {
    return { ...this.state };
  }

  private onMessage(packet: IPublishPacket, release: () => void): void {
    if (this.stopping) {
      // Not emitted, not acknowledged: with a persistent session the broker keeps it for the next run.
      if (packet.qos > 0) this.context.metrics.inc(mqttSourceMetrics.acksWithheld, { ...this.labels, reason: 'stopping' });
      release();
      return;
    }
    const now = Date.now();
    this.state.lastDataAt = now;
    this.messagesCounter.inc();
    const ticket = packet.qos > 0 && packet.messageId !== undefined ? this.ticketFor(packet.messageId) : undefined;
    this.handle(packet, ticket, now);
    if (this.inFlight >= this.config.max_in_flight) this.waitingForRoom = release;
    else release();
  }

  /** Turns one message into a record (batched for emit) or a dead letter, or just acknowledges a skip. */
  private handle(packet: IPublishPacket, ticket: AckTicket | undefined, now: number): void {
    const topic = packet.topic;
    const attrs = this.attrsByTopic.get(topic, () => ({ source: this.context.id, topic }));
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (!isUtf8(payload)) {
      this.bad('encoding', ticket, payload.toString('base64'), 'payload is not valid UTF-8 text (kept base64-encoded)', { ...attrs, encoding: 'base64' });
      return;
    }
    const text = payload.toString('utf8');
    const result = this.parser.parse(text);
    if (!result.ok) {
      if (result.skip) ticket?.durable();
      else this.bad('parse', ticket, text, result.reason, attrs);
      return;
    }
    const key = result.key ?? this.sourceKey(topic);
    if (key === undefined) {
      this.bad('topic_key', ticket, text, `topic ${JSON.stringify(topic)} has no level ${this.config.key_from_topic_level} to take the key from`, attrs);
      return;
    }
    this.inFlight++;
    this.records.push({ key, ts: result.ts ?? now, value: result.value, attrs, valueJson: result.json });
    this.tickets.push(ticket);
    this.flushTimer ??= setImmediate(() => this.flush());
  }

  private sourceKey(topic: string): string | undefined {
    if (this.config.key_from_topic_level !== undefined) return topicLevel(topic, this.config.key_from_topic_level);
    return this.config.key ?? topic;
  }

  private bad(reason: string, ticket: AckTicket | undefined, raw: string, detail: string, attrs: Record<string, string>): void {
    this.context.metrics.inc(mqttSourceMetrics.badPayloads, { ...this.labels, reason });
    this.context.logger.debug({ topic: attrs.topic, reason: detail }, 'bad mqtt payload; kept as a dead letter');
    this.inFlight++;
    let stored: Promise<void>;
    try {
      stored = this.context.deadLetter(raw, detail, attrs);
    } catch (error) {
      stored = Promise.reject(error);
    }
    stored.then(
      () => this.settled(ticket, undefined),
      (error: unknown) => this.settled(ticket, error),
    );
  }

  /** Emits the messages gathered during one turn of the event loop (one socket read) as one batch. */
  private flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    if (this.records.length === 0) return;
    const records = this.records;
    // Only the tickets wait for the commit: the records are garbage once the log has encoded them, and
    // holding them until then made every young-generation collection copy them (~30 % of the CPU).
    const tickets = this.tickets;
    this.records = [];
    this.tickets = [];
    let stored: Promise<void>;
    try {
      stored = this.context.emit(records);
    } catch (error) {
      stored = Promise.reject(error);
    }
    stored.then(
      () => {
        for (const ticket of tickets) this.settled(ticket, undefined);
      },
      (error: unknown) => {
        for (const ticket of tickets) this.settled(ticket, error);
      },
    );
  }

  private settled(ticket: AckTicket | undefined, error: unknown): void {
    this.inFlight--;
    if (error === undefined) {
      this.storeFailing = false;
      ticket?.durable();
    } else {
      this.storeFailed(error);
    }
    if (this.waitingForRoom && this.inFlight < this.config.max_in_flight) {
      const release = this.waitingForRoom;
      this.waitingForRoom = undefined;
      release();
    }
    if (this.inFlight === 0) this.drained?.();
  }

  /**
   * A record could not be stored. Its message stays unacknowledged; dropping the connection makes
   * the broker redeliver it (and everything after it) once we are back, after a backoff delay.
   */
  private storeFailed(error: unknown): void {
    this.context.metrics.inc(mqttSourceMetrics.emitFailures, this.labels);
    this.storeFailing = true;
    this.lastError = `could not store a record: ${errorMessage(error)}`;
    const client = this.client;
    // Once per connection: the first failure closes it, the others find it closed.
    if (!client || this.stopping || client.stream.destroyed) return;
    this.state = { ...this.state, state: 'error', detail: `${this.lastError}; reconnecting so the broker redelivers` };
    this.context.logger.error({ err: error }, 'mqtt source could not store a record; dropping the connection so the broker redelivers unacknowledged messages');
    client.stream.destroy();
  }

  private ticketFor(messageId: number): AckTicket {
    const client = this.client!;
    const stream = client.stream;
    // Messages can arrive before mqtt.js emits 'connect' (a resumed session's queue), so the
    // connection is recognised by its stream rather than by the event.
    if (this.acks?.stream !== stream) {
      this.abandonAcks('connection_lost');
      const queue = new ConnectionAcks(
        (ids) => {
          if (client.connected && client.stream === stream) sendPubacks(client, ids);
        },
        (count) => this.changePending(-count),
      );
      this.acks = { stream, queue };
    }
    this.changePending(1);
    return this.acks.queue.add(messageId);
  }

  private onConnect(connack: IConnackPacket): void {
    const client = this.client!;
    if (!this.storeFailing) this.backoff.reset();
    this.lastError = undefined;
    const generation = ++this.connectionGeneration;
    this.state = { ...this.state, state: 'connected', detail: `connected to ${this.config.url}${connack.sessionPresent ? ' (session resumed)' : ''}` };
    this.context.logger.info({ sessionPresent: connack.sessionPresent }, 'mqtt source connected');
    // A resumed session still holds our subscriptions; subscribing again would make the broker resend
    // retained messages. The first connection of a run subscribes anyway: the topics may have changed.
    if (this.subscribedOnce && connack.sessionPresent) {
      this.firstAttempt?.();
      return;
    }
    client.subscribe(this.subscriptions(), (error, granted) => {
      if (generation !== this.connectionGeneration) return;
      const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
      if (error || refused.length > 0) {
        const why = error ? errorMessage(error) : `the broker refused ${refused.join(', ')} (check its ACL)`;
        this.lastError = `subscribe failed: ${why}`;
        this.state = { ...this.state, state: 'error', detail: this.lastError };
        this.context.logger.error({ err: error, refused }, `mqtt source could not subscribe: ${why}; retrying`);
        if (!this.stopping) client.stream.destroy();
        return;
      }
      this.subscribedOnce = true;
      this.firstAttempt?.();
      this.firstAttempt = undefined;
    });
  }

  private onClose(): void {
    this.abandonAcks('connection_lost');
    this.connectionGeneration++;
    if (this.stopping) return;
    const delayMs = this.backoff.next();
    const why = this.lastError ?? 'connection closed';
    this.state = { ...this.state, state: 'reconnecting', detail: `${why}; retrying in ${delayMs} ms (attempt ${this.backoff.attempts})` };
    this.context.logger.warn({ delayMs, attempt: this.backoff.attempts }, `mqtt source disconnected (${why}); reconnecting`);
    this.firstAttempt?.();
    this.firstAttempt = undefined;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopping || !this.client) return;
      this.context.metrics.inc(mqttSourceMetrics.reconnects, this.labels);
      this.client.reconnect();
    }, delayMs);
  }

  private onError(error: Error): void {
    // mqtt.js follows connection errors with 'close', which schedules the retry; remember why for health.
    this.lastError = errorMessage(error);
    this.context.logger.debug({ err: error }, 'mqtt client error');
  }

  private subscriptions(): ISubscriptionMap {
    const map: ISubscriptionMap = {};
    for (const topic of this.config.topics) {
      if (typeof topic === 'string') map[topic] = { qos: this.config.qos };
      else map[topic.filter] = { qos: topic.qos ?? this.config.qos };
    }
    return map;
  }

  private changePending(delta: number): void {
    this.acksPending += delta;
    this.acksPendingGauge.set(this.acksPending);
  }

  /** The connection's unacknowledged messages will never be acknowledged on it: count them. */
  private abandonAcks(reason: 'connection_lost' | 'stopping'): void {
    const abandoned = this.acks?.queue.close() ?? 0;
    this.acks = undefined;
    if (abandoned === 0) return;
    this.changePending(-abandoned);
    this.context.metrics.inc(mqttSourceMetrics.acksWithheld, { ...this.labels, reason }, abandoned);
  }
}

/** Resolves true if `promise` did not settle within `ms`. */
async function raceTimeout(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  try {
    return await Promise.race([promise.then(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Disconnects cleanly (DISCONNECT packet) when connected; forces the socket closed if that hangs or there is no connection. */
async function endClient(client: MqttClient, timeoutMs: number): Promise<void> {
  if (!client.connected) {
    await client.endAsync(true);
    return;
  }
  const timedOut = await raceTimeout(client.endAsync(false), timeoutMs);
  // end() waits for mqtt.js's outgoing queue to empty; a second end() is a no-op, so close the socket.
  if (timedOut) client.stream.destroy();
}
