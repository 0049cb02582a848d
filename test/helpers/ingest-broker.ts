import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Aedes } from 'aedes';
import { SqliteLogStore } from '../../core/log/sqlite-store.js';
import { silentLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { HubIngest } from '../../hub/ingest/ingest.js';

/** A bare aedes broker whose authorizePublish feeds a real HubIngest and hub log (no auth, no ACL). */
export interface IngestBroker {
  url: string;
  port: number;
  store: SqliteLogStore;
  ingest: HubIngest;
  metrics: Metrics;
  aedes: Aedes;
  /** Drops every client connection (the listener stays). */
  dropClients(): void;
  close(): Promise<void>;
}

/** Starts it on a free loopback port (or `port`), keeping the hub log in `dir`. */
export async function startIngestBroker(dir: string, partitions = 4, port = 0): Promise<IngestBroker> {
  const { Aedes } = await import('aedes');
  const store = new SqliteLogStore({ path: join(dir, 'hub-log.db'), partitions });
  const metrics = new Metrics();
  const aedes = await Aedes.createBroker();
  const ingest = new HubIngest({
    store,
    logger: silentLogger(),
    metrics,
    commitIntervalMs: 0,
    publishTo: (topic, payload) => aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, () => undefined),
  });
  aedes.authorizePublish = (client, packet, callback) => {
    const agentId = client?.id.replace(/^tributary-agent-/, '') ?? '';
    if (!packet.topic.startsWith('tributary/')) return callback(null);
    ingest.onPublish(agentId, { topic: packet.topic, payload: packet.payload as Buffer }).then(
      () => callback(null),
      (error: Error) => callback(error),
    );
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    store,
    ingest,
    metrics,
    aedes,
    dropClients: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      ingest.flush();
      store.close();
    },
  };
}
