import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../core/prometheus.js';
import type { AgentStatusReport } from '../../core/status.js';
import { metricHelp } from './metric-help.js';

export interface AgentHttpOptions {
  host: string;
  /** 0 picks a free port (see `address`). */
  port: number;
  logger: Logger;
  metrics: Metrics;
  /** The current status report (GET /status). */
  status(): AgentStatusReport;
  /** Why the agent is not ready; empty when it is (GET /readyz). */
  notReadyReasons(): string[];
  /** Brings gauges up to date before a scrape. */
  refreshMetrics(): void;
}

type Route = (response: ServerResponse) => void;

/**
 * The agent's observability endpoint (node:http, GET only, no authentication: bind it to loopback
 * or a management network). /metrics (Prometheus text), /healthz, /readyz, /status.
 */
export class AgentHttpServer {
  private readonly routes: Record<string, Route>;

  private constructor(
    private readonly server: Server,
    private readonly options: AgentHttpOptions,
  ) {
    this.routes = {
      '/metrics': (res) => {
        options.refreshMetrics();
        send(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheus(options.metrics, metricHelp));
      },
      '/healthz': (res) => sendJson(res, 200, { status: 'ok' }),
      '/readyz': (res) => {
        const reasons = options.notReadyReasons();
        if (reasons.length === 0) sendJson(res, 200, { status: 'ready' });
        else sendJson(res, 503, { status: 'not_ready', reasons });
      },
      '/status': (res) => sendJson(res, 200, options.status()),
    };
  }

  /** Listens on `host:port`; rejects with ERR_AGENT_HTTP_LISTEN when it cannot (port taken, bad address). */
  static async start(options: AgentHttpOptions): Promise<AgentHttpServer> {
    const server = createServer();
    const http = new AgentHttpServer(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => http.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new TributaryError('ERR_AGENT_HTTP_LISTEN', `the agent HTTP endpoint cannot listen on ${options.host}:${options.port}: ${errorMessage(error)}; pick another agent.http.port (0 = any free port) or host`, { cause: error })));
      server.listen(options.port, options.host, () => resolve());
    });
    server.on('error', (error) => options.logger.error({ err: error }, 'agent HTTP endpoint error'));
    return http;
  }

  /** Where it listens (the real port when 0 was asked). */
  get address(): { host: string; port: number } {
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** Stops listening and closes idle keep-alive connections. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    const route = Object.hasOwn(this.routes, path) ? this.routes[path] : undefined;
    if (!route) {
      sendError(res, 404, 'ERR_AGENT_HTTP_NOT_FOUND', `no such endpoint: ${path}; the agent serves GET /metrics, /healthz, /readyz and /status`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendError(res, 405, 'ERR_AGENT_HTTP_METHOD', `${String(req.method)} ${path} is not supported; use GET`);
      return;
    }
    try {
      route(res);
    } catch (error) {
      this.options.logger.error({ err: error, path }, `agent HTTP endpoint failed: ${errorMessage(error)}`);
      if (!res.headersSent) sendError(res, 500, 'ERR_AGENT_HTTP_INTERNAL', `${path} failed: ${errorMessage(error)} (see the agent log)`);
      else res.destroy();
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}
