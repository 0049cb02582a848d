import { EventEmitter } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import type { Aedes, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { topics } from '../../core/protocol.js';
import type { HubConfig } from '../config/types.js';
import { isAgentId } from '../credentials/agent-id.js';
import type { AgentStatus, CredentialCheck } from '../credentials/store.js';
import { FORWARDER_CLIENT_ID_PREFIX, clientIdFits, mayPublish, maySubscribe } from './acl.js';
import { ConnectionGate, type GateViolation } from './connection-gate.js';
import { closeListener, listenTcp, listenTls, type Listener } from './listeners.js';
import { RefusalLog, type RefusalReason } from './refusal-log.js';

/** A publish of an authenticated agent on its own topics, as the hub's ingest gets it. */
export interface AgentPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
}

/** Which connection a publish came over, and whether it is the connection's last will (published by the broker after the connection closed). */
export interface PublishContext {
  connectionId: number;
  will: boolean;
}

/**
 * The hub's handler for an agent's publishes. Resolving sends the PUBACK; rejecting drops the connection
 * (MQTT 3.1.1 has no reason code), after one log line. Each publish is handed over as soon as it arrives,
 * in the order the client sent it, without waiting for earlier calls to settle: the handler keeps one
 * client's order itself (the ingest does, synchronously), and one agent's pipelined batches can then share a
 * group commit. Once a call rejected, the connection's later publishes are no longer handed over.
 * A last will comes this way too, after its connection closed (`context.will`).
 */
export type OnPublish = (agentId: string, packet: AgentPublish, context?: PublishContext) => Promise<void>;

/** What the broker needs from the credential store (CredentialStore fits). */
export interface AgentAuthenticator {
  check(agentId: string, password: string): Promise<CredentialCheck>;
  status(agentId: string): AgentStatus;
}

/** A connected, authenticated agent connection. */
export interface ConnectedAgent {
  agentId: string;
  /** Unique per connection while the hub runs (a reconnect gets a new one). */
  connectionId: number;
  clientId: string;
  /** The peer's IP address. */
  address: string;
  listener: 'mqtt' | 'mqtts';
  /** ms since the epoch. */
  connectedAt: number;
  /** Publishes received and not yet answered (at most limits.max_in_flight_per_client). */
  publishesInFlight: number;
}

/** Events of the broker, for the dashboard and status. */
export interface HubBrokerEvents {
  agentConnected: [ConnectedAgent];
  agentDisconnected: [ConnectedAgent];
}

export interface HubBrokerOptions {
  config: Pick<HubConfig, 'hub' | 'listeners' | 'limits' | 'auth'>;
  credentials: AgentAuthenticator;
  onPublish: OnPublish;
  logger: Logger;
  metrics?: Metrics;
  /** How often open connections are checked for a revoked agent (ms). */
  revocationCheckMs?: number;
}

/** The hub's MQTT side: listeners, authentication, ACL, limits. */
export interface HubBroker {
  /** Where each listener listens (the real port when the config said 0). */
  readonly addresses: { mqtt?: AddressInfo; mqtts?: AddressInfo };
  /** Publishes to a topic (an agent's positions); resolves once aedes has handed it to the subscribers. */
  publishTo(topic: string, payload: Buffer | string, qos: 0 | 1, options?: { retain?: boolean }): Promise<void>;
  /** Agent connections open now. */
  clients(): ConnectedAgent[];
  /** True once every listener listens, until `close` (the hub's readiness). */
  readonly listening: boolean;
  on<E extends keyof HubBrokerEvents>(event: E, listener: (...args: HubBrokerEvents[E]) => void): this;
  off<E extends keyof HubBrokerEvents>(event: E, listener: (...args: HubBrokerEvents[E]) => void): this;
  /** Stops listening, closes every connection, waits for the onPublish calls in progress, closes aedes. */
  close(): Promise<void>;
}

/** CONNACK return codes of MQTT 3.1.1. */
const CONNACK = { identifierRejected: 2, serverUnavailable: 3, badUsernameOrPassword: 4, notAuthorized: 5 } as const;

/** Errors the hub raised on purpose: already logged, so aedes' clientError is not logged again. */
const alreadyLogged = new WeakSet<Error>();

interface Connection {
  id: number;
  socket: Socket;
  gate: ConnectionGate;
  listener: 'mqtt' | 'mqtts';
  address: string;
  client?: Client;
  /** Counted against limits.max_connections (it passed preConnect under the limit). */
  admitted: boolean;
  overLimit: boolean;
  agentId?: string;
  /** Accepted without a password (auth.allow_anonymous). */
  anonymous: boolean;
  connectedAt?: number;
  /** Set once a publish was refused: later ones of this connection are not handed to onPublish. */
  failed: boolean;
}

type AuthResult = { agentId: string; anonymous: boolean } | { refusal: RefusalReason; code: number; message: string; agentId?: string };

class AedesHubBroker extends EventEmitter<HubBrokerEvents> implements HubBroker {
  readonly addresses: { mqtt?: AddressInfo; mqtts?: AddressInfo } = {};
  private aedes!: Aedes;
  private readonly servers: Listener[] = [];
  /** Every connection by its aedes client, also after its socket closed (aedes reports the disconnect later). */
  private readonly byClient = new WeakMap<Client, Connection>();
  /** Connections whose socket is open. */
  private readonly sockets = new Map<Socket, Connection>();
  /** onPublish calls not settled yet (of every connection, also after its socket closed). */
  private readonly running = new Set<Promise<void>>();
  private admitted = 0;
  private connectionCount = 0;
  private started = false;
  private closing = false;
  private revocationTimer: NodeJS.Timeout | undefined;
  private readonly refusals: RefusalLog;
  private readonly logger: Logger;

  constructor(private readonly options: HubBrokerOptions) {
    super();
    this.logger = options.logger.child({ component: 'broker' });
    this.refusals = new RefusalLog(this.logger, options.metrics);
  }

  async start(): Promise<void> {
    const { config } = this.options;
    const { Aedes } = await import('aedes');
    this.aedes = await Aedes.createBroker({
      id: config.hub.id,
      connectTimeout: config.limits.connect_timeout_ms,
      // packets that arrive before the CONNACK wait here; the gate already caps the publishes among them
      queueLimit: config.limits.max_in_flight_per_client + 64,
      preConnect: (client, _packet, callback) => this.preConnect(client, callback),
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, callback) => this.authorizePublish(client, packet, callback),
      authorizeSubscribe: (client, subscription, callback) => this.authorizeSubscribe(client, subscription, callback),
      authorizeForward: (client, packet) => {
        const agentId = this.byClient.get(client)?.agentId;
        return agentId !== undefined && mayPublish(agentId, packet.topic) ? packet : null;
      },
    });
    this.aedes.on('clientReady', (client) => this.onClientReady(client));
    this.aedes.on('clientDisconnect', (client) => this.onClientDisconnect(client));
    this.aedes.on('clientError', (client, error) => this.onClientError(client, error));
    this.aedes.on('connectionError', (client, error) => this.onClientError(client, error));

    try {
      const { mqtt, mqtts } = config.listeners;
      if (mqtt.enabled) this.servers.push(await listenTcp(mqtt.host, mqtt.port, (socket) => this.onSocket(socket, 'mqtt')));
      if (mqtts !== undefined) this.servers.push(await listenTls(mqtts, config.limits.connect_timeout_ms, (socket) => this.onSocket(socket, 'mqtts')));
    } catch (error) {
      await this.close();
      throw error;
    }
    for (const listener of this.servers) {
      this.addresses[listener.name] = listener.address;
      this.logger.info({ listener: listener.name, host: listener.address.address, port: listener.address.port }, `listening for ${listener.name} on ${listener.address.address}:${listener.address.port}`);
    }
    this.started = true;
    if (config.auth.allow_anonymous) this.logger.warn('auth.allow_anonymous is true: clients without a password are accepted as any agent they name (development only)');
    const interval = this.options.revocationCheckMs ?? 2000;
    this.revocationTimer = setInterval(() => this.disconnectRevoked(), interval).unref();
  }

  publishTo(topic: string, payload: Buffer | string, qos: 0 | 1, options: { retain?: boolean } = {}): Promise<void> {
    const packet: PublishPacket = { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain: options.retain ?? false, dup: false };
    return new Promise((resolve, reject) => this.aedes.publish(packet, (error) => (error ? reject(error) : resolve())));
  }

  get listening(): boolean {
    return this.started && !this.closing;
  }

  clients(): ConnectedAgent[] {
    const agents: ConnectedAgent[] = [];
    for (const connection of this.sockets.values()) {
      const agent = this.describe(connection);
      if (agent !== undefined) agents.push(agent);
    }
    return agents;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.revocationTimer);
    const stopped = this.servers.map(closeListener);
    for (const socket of this.sockets.keys()) socket.destroy();
    await Promise.all(stopped);
    // the ingest may close its log once this resolves: no onPublish call is left running
    await Promise.allSettled([...this.running]);
    if (this.aedes !== undefined) await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
  }

  private onSocket(socket: Socket, listener: 'mqtt' | 'mqtts'): void {
    const address = socket.remoteAddress ?? 'unknown';
    socket.on('error', () => {
      // reported through the gate to aedes (clientError); this listener only keeps it from being unhandled
    });
    const { limits } = this.options.config;
    if (this.closing || this.sockets.size >= 2 * limits.max_connections) {
      // far past the limit (a flood of sockets that may never send CONNECT): no CONNACK, just close
      if (!this.closing) this.refusals.refuse('connection_limit', { address }, `closed a socket from ${address}: ${this.sockets.size} sockets open, twice limits.max_connections (${limits.max_connections})`);
      socket.destroy();
      return;
    }
    const connection: Connection = {
      id: ++this.connectionCount,
      socket,
      listener,
      address,
      admitted: false,
      overLimit: false,
      anonymous: false,
      failed: false,
      gate: new ConnectionGate(socket, { maxPacketBytes: limits.max_packet_bytes, maxInFlight: limits.max_in_flight_per_client }, (violation) => this.onViolation(connection, violation)),
    };
    this.sockets.set(socket, connection);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (connection.admitted) this.admitted--;
    });
    const client = this.aedes.handle(connection.gate);
    connection.client = client;
    this.byClient.set(client, connection);
  }

  private preConnect(client: Client, callback: (error: Error | null, success: boolean) => void): void {
    const connection = this.byClient.get(client);
    if (connection === undefined) return callback(new Error('unknown connection'), false);
    // refused in authenticate with CONNACK 3: preConnect can only close the socket without a word
    if (!connection.admitted) {
      if (this.admitted >= this.options.config.limits.max_connections) {
        connection.overLimit = true;
      } else {
        connection.admitted = true;
        this.admitted++;
      }
    }
    callback(null, true);
  }

  private authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void {
    const connection = this.byClient.get(client);
    if (connection === undefined) return done(Object.assign(new Error('unknown connection'), { returnCode: CONNACK.serverUnavailable }) as AuthenticateError, false);
    this.checkCredentials(connection, client.id, username, password).then((result) => {
      if ('refusal' in result) {
        this.refusals.refuse(result.refusal, { agentId: result.agentId, clientId: client.id, address: connection.address, listener: connection.listener, connack: result.code }, result.message);
        const error = Object.assign(new Error(result.message), { returnCode: result.code }) as AuthenticateError;
        alreadyLogged.add(error);
        return done(error, false);
      }
      connection.agentId = result.agentId;
      connection.anonymous = result.anonymous;
      done(null, true);
    }, (error: unknown) => {
      this.refusals.refuse('server_error', { clientId: client.id, address: connection.address, err: errorMessage(error) }, `refused a client: its credentials could not be checked (CONNACK 3): ${errorMessage(error)}`);
      const refusal = Object.assign(new Error('server unavailable'), { returnCode: CONNACK.serverUnavailable }) as AuthenticateError;
      alreadyLogged.add(refusal);
      done(refusal, false);
    });
  }

  private async checkCredentials(connection: Connection, clientId: string, username: string | undefined, password: Buffer | undefined): Promise<AuthResult> {
    const { limits, auth } = this.options.config;
    if (connection.overLimit) {
      return { refusal: 'connection_limit', code: CONNACK.serverUnavailable, agentId: username, message: `refused ${username === undefined ? 'a client' : `agent ${username}`}: limits.max_connections (${limits.max_connections}) reached (CONNACK 3)` };
    }
    const secret = password === undefined || password.length === 0 ? undefined : password.toString('utf8');
    if (secret === undefined && auth.allow_anonymous) {
      const agentId = username ?? clientId;
      if (!isAgentId(agentId) || !clientIdFits(agentId, clientId)) {
        return { refusal: 'client_id', code: CONNACK.identifierRejected, agentId, message: `refused anonymous client "${clientId}": its username (or client id) must be a valid agent id, and its client id derived from it (see docs/hub.md) (CONNACK 2)` };
      }
      return { agentId, anonymous: true };
    }
    if (username === undefined) {
      return secret === undefined
        ? { refusal: 'anonymous', code: CONNACK.notAuthorized, message: 'refused a client without credentials (CONNACK 5): agents log in with username = agent id and the password `tributary hub agent add` printed' }
        : { refusal: 'unknown_agent', code: CONNACK.badUsernameOrPassword, message: 'refused a client with a password but no username (CONNACK 4): the username must be the agent id' };
    }
    if (secret === undefined) {
      return { refusal: 'missing_password', code: CONNACK.badUsernameOrPassword, agentId: username, message: `refused agent ${username}: no password (CONNACK 4)` };
    }
    if (!clientIdFits(username, clientId)) {
      return { refusal: 'client_id', code: CONNACK.identifierRejected, agentId: username, message: `refused agent ${username}: client id "${clientId}" must be "${FORWARDER_CLIENT_ID_PREFIX}${username}", "${username}" or start with "${username}:" (CONNACK 2)` };
    }
    const check: CredentialCheck = isAgentId(username) ? await this.options.credentials.check(username, secret) : 'unknown_agent';
    switch (check) {
      case 'ok':
        return { agentId: username, anonymous: false };
      case 'unknown_agent':
        return { refusal: 'unknown_agent', code: CONNACK.badUsernameOrPassword, agentId: username, message: `refused "${username}": no such agent (CONNACK 4); add it with \`tributary hub agent add ${username}\`` };
      case 'wrong_password':
        return { refusal: 'wrong_password', code: CONNACK.badUsernameOrPassword, agentId: username, message: `refused agent ${username}: wrong password (CONNACK 4)` };
      case 'revoked':
        return { refusal: 'revoked', code: CONNACK.notAuthorized, agentId: username, message: `refused agent ${username}: it was revoked (CONNACK 5); \`tributary hub agent add ${username}\` gives it a new password` };
    }
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const connection = client === null ? undefined : this.byClient.get(client);
    if (client === null || connection === undefined) return callback(client === null ? null : new Error('unknown connection'));
    // a will is published by aedes after the connection closed; every other publish came through the gate
    const isWill = client.closed;
    const finish = (error: Error | null) => {
      if (!isWill) connection.gate.release();
      // Answered after its connection closed (pipelined publishes settle later): aedes cannot send the PUBACK and would
      // report a "connection closed" client error for each one; the close was logged once already.
      if (error === null && !isWill && client.closed) return callback(logged(new Error('connection closed before the publish was acknowledged')));
      callback(error);
    };
    const agentId = connection.agentId;
    if (agentId === undefined) return finish(new Error('publish before authentication'));
    if (!mayPublish(agentId, packet.topic)) {
      connection.failed = true;
      const message = `dropped agent ${agentId}: it published to "${packet.topic}", outside its topics (${topics.agentPrefix(agentId)}...)`;
      this.refusals.refuse('foreign_topic', { agentId, clientId: client.id, address: connection.address, topic: packet.topic }, message);
      return finish(logged(new TributaryError('ERR_HUB_ACL', message)));
    }
    const publish: AgentPublish = { topic: packet.topic, payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), qos: packet.qos };
    // a dropped connection's publishes are not acknowledged anyway: the agent sends them again
    if (connection.failed || this.closing || (!isWill && connection.gate.destroyed)) return finish(logged(new Error('connection closed before the publish was handled')));
    let handled: Promise<void>;
    try {
      handled = this.options.onPublish(agentId, publish, { connectionId: connection.id, will: isWill });
    } catch (error) {
      handled = Promise.reject(error);
    }
    this.running.add(handled);
    void handled.then(
      () => this.running.delete(handled),
      () => this.running.delete(handled),
    );
    handled.then(() => finish(null), (error: unknown) => {
      connection.failed = true;
      this.refusals.refuse('publish_rejected', { agentId, clientId: client.id, address: connection.address, topic: packet.topic, err: errorMessage(error), code: (error as { code?: unknown }).code }, `dropped agent ${agentId}: its publish to "${packet.topic}" was rejected: ${errorMessage(error)}`);
      finish(logged(error instanceof Error ? error : new Error(String(error))));
    });
  }

  private authorizeSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const connection = this.byClient.get(client);
    const agentId = connection?.agentId;
    if (agentId !== undefined && maySubscribe(agentId, subscription.topic)) return callback(null, subscription);
    this.refusals.refuse('foreign_subscription', { agentId, clientId: client.id, address: connection?.address, topic: subscription.topic }, `refused the subscription of agent ${agentId ?? client.id} to "${subscription.topic}": outside its topics (SUBACK 0x80)`);
    // a null subscription is answered with 0x80 (failure) in the SUBACK; an error would drop the connection
    callback(null, null);
  }

  private onViolation(connection: Connection, violation: GateViolation): void {
    const who = connection.agentId === undefined ? `a client from ${connection.address}` : `agent ${connection.agentId}`;
    const context = { agentId: connection.agentId, clientId: connection.client?.id ?? undefined, address: connection.address };
    if (violation.kind === 'oversized_packet') {
      const limit = this.options.config.limits.max_packet_bytes;
      this.refusals.refuse('oversized_packet', { ...context, packetBytes: violation.packetBytes, limit }, `dropped ${who}: it sent a packet of ${violation.packetBytes} bytes, over limits.max_packet_bytes (${limit})`);
    } else {
      this.refusals.refuse('malformed_packet', { ...context, detail: violation.detail }, `dropped ${who}: malformed MQTT packet (${violation.detail})`);
    }
  }

  private onClientReady(client: Client): void {
    const connection = this.byClient.get(client);
    if (connection === undefined) return;
    connection.connectedAt = Date.now();
    const agent = this.describe(connection);
    if (agent === undefined) return;
    this.options.metrics?.set('tributary_hub_connections', {}, this.clients().length);
    this.logger.info({ ...agent }, `agent ${agent.agentId} connected from ${agent.address} (${agent.listener})`);
    this.emit('agentConnected', agent);
  }

  private onClientDisconnect(client: Client): void {
    const connection = this.byClient.get(client);
    const agent = connection === undefined ? undefined : this.describe(connection);
    if (connection !== undefined) connection.connectedAt = undefined;
    this.options.metrics?.set('tributary_hub_connections', {}, this.clients().length);
    if (agent === undefined) return;
    this.logger.info({ ...agent }, `agent ${agent.agentId} disconnected`);
    this.emit('agentDisconnected', agent);
  }

  private onClientError(client: Client, error: Error): void {
    if (alreadyLogged.has(error)) return;
    const connection = this.byClient.get(client);
    this.logger.info({ agentId: connection?.agentId, clientId: client.id ?? undefined, address: connection?.address, err: error.message }, `connection ${connection?.agentId === undefined ? 'of a client' : `of agent ${connection.agentId}`} closed: ${error.message}`);
  }

  /** Closes connections of agents revoked (or removed) since they connected. */
  private disconnectRevoked(): void {
    for (const connection of this.sockets.values()) {
      const agentId = connection.agentId;
      if (agentId === undefined || connection.anonymous || connection.connectedAt === undefined || connection.client === undefined) continue;
      let status: AgentStatus;
      try {
        status = this.options.credentials.status(agentId);
      } catch (error) {
        this.logger.error({ err: errorMessage(error) }, 'cannot read the credentials file to check for revoked agents');
        return;
      }
      if (status === 'active') continue;
      // once per connection, so not through the refusal log's repeat filter (its next connect attempt is logged there)
      this.logger.warn({ reason: 'revoked', agentId, clientId: connection.client.id, address: connection.address }, `disconnected agent ${agentId}: it was revoked`);
      connection.client.close();
    }
  }

  private describe(connection: Connection): ConnectedAgent | undefined {
    if (connection.agentId === undefined || connection.connectedAt === undefined || connection.client === undefined) return undefined;
    return { agentId: connection.agentId, connectionId: connection.id, clientId: connection.client.id, address: connection.address, listener: connection.listener, connectedAt: connection.connectedAt, publishesInFlight: connection.gate.publishesInFlight };
  }
}

function logged(error: Error): Error {
  alreadyLogged.add(error);
  return error;
}

/** Starts aedes and its listeners with the hub's authentication, ACL and limits; throws ERR_HUB_LISTEN or ERR_HUB_TLS_FILE when it cannot listen. */
export async function startHubBroker(options: HubBrokerOptions): Promise<HubBroker> {
  const broker = new AedesHubBroker(options);
  await broker.start();
  return broker;
}
