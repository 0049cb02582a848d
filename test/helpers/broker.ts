import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Aedes, AedesOptions } from 'aedes';

/** An in-process aedes broker on a loopback port. */
export interface TestBroker {
  readonly port: number;
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  /** The running aedes instance (replaced by `restart`). */
  readonly aedes: Aedes;
  /** Closes every connection and the listener. Sessions of the memory persistence are lost. */
  stop(): Promise<void>;
  /** Starts a fresh broker on the same port (after `stop`). */
  restart(): Promise<void>;
}

/** Starts aedes on a free loopback port (or `port`), with Nagle off so PUBACKs are not delayed ~40 ms. */
export async function startBroker(options: { port?: number; aedes?: AedesOptions } = {}): Promise<TestBroker> {
  const { Aedes } = await import('aedes');
  let aedes: Aedes;
  let server: Server;
  let sockets = new Set<Socket>();
  let port = options.port ?? 0;

  const listen = async (): Promise<void> => {
    aedes = await Aedes.createBroker(options.aedes);
    sockets = new Set<Socket>();
    server = createServer({ noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    port = (server.address() as { port: number }).port;
  };

  const stop = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => server.close(() => resolve())),
      new Promise<void>((resolve) => aedes.close(() => resolve())),
    ]);
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `mqtt://127.0.0.1:${port}`;
    },
    get aedes() {
      return aedes;
    },
    stop,
    restart: listen,
  };
}

/** A mosquitto process on a loopback port. */
export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Terminates mosquitto and removes its config directory. */
  stop(): Promise<void>;
}

/**
 * Spawns Debian's mosquitto with a temporary config (loopback listener, anonymous access).
 * Throws (never skips) when the binary is missing: the CI script installs it.
 */
export async function startMosquitto(extraConfig: string[] = []): Promise<Mosquitto> {
  const binary = findMosquitto();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tributary-mosquitto-'));
  const configPath = join(dir, 'mosquitto.conf');
  writeFileSync(configPath, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ...extraConfig, ''].join('\n'));
  const child = spawn(binary, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function findMosquitto(): string {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  const path = which.stdout.trim();
  if (path) return path;
  throw new Error('mosquitto is not installed: apt-get install -y mosquitto (the MQTT tests need it)');
}

/** A port nothing listens on right now (the OS picks it; a small race with other processes is accepted). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once a mosquitto `child` accepts TCP on `port`; fails if it exits first or after 10 s, with its `output`. */
export async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}: ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on port ${port} within 10 s: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP relay in front of a broker: `cut()` drops every relayed connection at once, like a network failure. */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Destroys every relayed connection (both sides) and refuses new ones until `resume()`. */
  cut(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Starts a loopback TCP relay to `targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  const server = createServer({ noDelay: true }, (client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect({ port: targetPort, host: '127.0.0.1', noDelay: true });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const cutAll = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    cut: () => {
      refusing = true;
      cutAll();
    },
    resume: () => {
      refusing = false;
    },
    close: async () => {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
