/**
 * Bare aedes broker of bench/forward.ts (run by it, not by hand): the hub's MQTT library with no
 * authentication, no ACL, no limits and no ingest (a QoS 1 publish is acknowledged on arrival). It counts
 * the records of the batch frames it receives (from their headers) and, with `answerHello`, answers an
 * agent's hello with empty positions, so the real agent forwards to it as to a hub that stores nothing.
 *
 *   node dist/bench/forward-aedes-child.js '{"answerHello":true,"expectRecords":1000001}'
 *
 * Prints JSON lines: {"event":"listening","port":N}, then {"event":"progress",...} every 500 ms once
 * batches arrive, and {"event":"done",...} when `expectRecords` records have arrived.
 */
import { createServer } from 'node:net';
import { decodeBatchFrame, parseTopic, topics, type Hello, type Positions } from '../core/protocol.js';

export interface AedesChildOptions {
  answerHello: boolean;
  /** Print the done line once this many records have arrived. */
  expectRecords: number;
  /** Check each frame's CRC like the hub does (off: count from the header only). */
  checkCrc?: boolean;
}

/** What the broker prints once every expected record has arrived. */
export interface AedesChildResult {
  event: 'done';
  records: number;
  messages: number;
  frameBytes: number;
  /** Date.now() of the first and last batch received (aedes acknowledges each on arrival). */
  firstMs: number;
  lastMs: number;
  recordsAtFirst: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '') as AedesChildOptions;
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  let records = 0;
  let messages = 0;
  let frameBytes = 0;
  let firstMs = 0;
  let lastMs = 0;
  let recordsAtFirst = 0;
  let done = false;
  aedes.on('publish', (packet, client) => {
    if (client === null) return;
    const topic = parseTopic(packet.topic);
    if (topic?.kind === 'hello' && options.answerHello) {
      const hello = JSON.parse(packet.payload.toString()) as Hello;
      const positions: Positions = { logId: hello.logId, next: {} };
      aedes.publish({ cmd: 'publish', topic: topics.positions(topic.agentId), payload: Buffer.from(JSON.stringify(positions)), qos: 1, retain: false, dup: false }, () => undefined);
      return;
    }
    if (topic?.kind !== 'batches') return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const count = options.checkCrc === true ? decodeBatchFrame(payload).header.count : (JSON.parse(payload.subarray(6, 6 + payload.readUInt16BE(4)).toString('utf8')) as { count: number }).count;
    const now = Date.now();
    if (messages === 0) {
      firstMs = now;
      recordsAtFirst = count;
    }
    lastMs = now;
    messages++;
    records += count;
    frameBytes += payload.length;
    if (!done && records >= options.expectRecords) {
      done = true;
      const result: AedesChildResult = { event: 'done', records, messages, frameBytes, firstMs, lastMs, recordsAtFirst };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  });
  const server = createServer({ noDelay: true }, (socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
  setInterval(() => {
    if (messages > 0 && !done) process.stdout.write(`${JSON.stringify({ event: 'progress', records })}\n`);
  }, 500).unref();
  const stop = (): void => {
    server.close();
    aedes.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`aedes broker failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
