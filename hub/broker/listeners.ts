import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { MqttsListener } from '../config/types.js';

/** A listening MQTT server: plain TCP or TLS. */
export interface Listener {
  name: 'mqtt' | 'mqtts';
  server: Server;
  address: AddressInfo;
}

function readTlsFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TributaryError('ERR_HUB_TLS_FILE', `cannot read listeners.mqtts.${key} ${path}: ${errorMessage(error)}; check the path and the hub user's permissions`, { cause: error });
  }
}

async function listen(server: Server, name: string, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EADDRINUSE' ? 'another process uses this port: stop it or change the port'
        : error.code === 'EACCES' ? 'ports below 1024 need privileges: use a higher port'
          : error.code === 'EADDRNOTAVAIL' ? 'this machine has no such address: use 127.0.0.1, 0.0.0.0 or one of its addresses'
            : 'check the address and port';
      reject(new TributaryError('ERR_HUB_LISTEN', `cannot listen for ${name} on ${host}:${port}: ${error.code ?? error.message}; ${hint} (listeners.${name} in the hub config)`, { cause: error }));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Plain MQTT: Nagle off, or every PUBACK waits ~40 ms for the client's delayed ACK. */
export async function listenTcp(host: string, port: number, onSocket: (socket: Socket) => void): Promise<Listener> {
  const server = createTcpServer({ noDelay: true }, onSocket);
  return { name: 'mqtt', server, address: await listen(server, 'mqtt', host, port) };
}

/** MQTT over TLS; a client without a valid certificate is refused in the handshake when `require_client_cert` is set. */
export async function listenTls(config: MqttsListener, handshakeTimeoutMs: number, onSocket: (socket: Socket) => void): Promise<Listener> {
  const options = {
    cert: readTlsFile(config.cert_file, 'cert_file'),
    key: readTlsFile(config.key_file, 'key_file'),
    ...(config.ca_file === undefined ? {} : { ca: readTlsFile(config.ca_file, 'ca_file') }),
    requestCert: config.require_client_cert,
    rejectUnauthorized: config.require_client_cert,
    handshakeTimeout: handshakeTimeoutMs,
  };
  let server: Server;
  try {
    server = createTlsServer(options, (socket) => {
      socket.setNoDelay(true);
      onSocket(socket);
    });
  } catch (error) {
    throw new TributaryError('ERR_HUB_TLS_FILE', `the TLS files of listeners.mqtts are not usable: ${errorMessage(error)}; cert_file and key_file must be a PEM certificate chain and its private key`, { cause: error });
  }
  return { name: 'mqtts', server, address: await listen(server, 'mqtts', config.host, config.port) };
}

/** Stops accepting; existing connections are closed by their owner. */
export function closeListener(listener: Listener): Promise<void> {
  return new Promise((resolve) => listener.server.close(() => resolve()));
}
