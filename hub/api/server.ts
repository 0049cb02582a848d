import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { ApiError, errorResponse } from './errors.js';
import { SESSION_COOKIE, SessionStore, readCookie } from './session.js';

/** Largest request body accepted (JSON). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiRequest {
  method: string;
  path: string;
  /** Path parameters (`:group`), URL-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON body (an empty body reads as `{}`); throws 400 ERR_API_BAD_JSON or 413 ERR_API_BODY_TOO_LARGE. */
  json(): Promise<unknown>;
  /** Aborted when the client goes away or the server closes (long polls stop waiting). */
  signal: AbortSignal;
  headers: IncomingHttpHeaders;
  /** The client's IP address. */
  remoteAddress: string;
  /** Whether the request carries the token or a valid session cookie (or, without a token, comes from this machine). */
  authenticated: boolean;
}

/**
 * An answer. JSON by default (`body` undefined sends no body: 204); `raw` sends bytes as they are
 * (give the Content-Type in `headers`); `stream` takes over the response (server-sent events).
 */
export interface ApiResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
  raw?: string | Buffer;
  stream?: (res: ServerResponse) => void;
}

export interface RouteOptions {
  /** false = served without the token or a session (the dashboard's files, /v1/session, /v1/login, /healthz). Default true. */
  auth?: boolean;
}

export type RouteHandler = (request: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface ApiServerOptions {
  host: string;
  port: number;
  /** Bearer token every request must carry (or a session cookie from /v1/login); undefined = only loopback clients are served. */
  token?: string;
  /** Session store (tests); a new one by default. */
  sessions?: SessionStore;
  logger: Logger;
  metrics: Metrics;
}

interface Route {
  method: string;
  path: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
  auth: boolean;
}

/** Whether a socket address belongs to this machine's loopback (IPv4 127/8, IPv6 ::1, or IPv4-mapped). */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/**
 * Whether a request may be served. With a token: open routes for anyone, the rest for the token or a
 * session; unknown paths are refused like protected ones, so a client without the token learns nothing
 * about the API. Without a token, `authenticated` means "from this machine", and nobody else gets
 * anything, open routes included (docs/hub.md, "HTTP API").
 */
export function mayServe(access: { tokenRequired: boolean; authenticated: boolean; openRoute: boolean }): boolean {
  return access.authenticated || (access.tokenRequired && access.openRoute);
}

/** The hub's HTTP API server (node:http, JSON). Routes are added with `route`; everything else is a 404. */
export class ApiServer {
  private readonly server: Server;
  private readonly routes: Route[] = [];
  private readonly closing = new AbortController();
  private readonly tokenHash: Buffer | undefined;
  /** Dashboard logins (cookie `tributary_session`), in memory. */
  readonly sessions: SessionStore;

  constructor(private readonly options: ApiServerOptions) {
    this.tokenHash = options.token === undefined ? undefined : sha256(options.token);
    this.sessions = options.sessions ?? new SessionStore();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => options.logger.error({ err: error }, 'HTTP API: could not answer'));
    });
  }

  /** Starts listening; resolves with the bound address. Throws ERR_HUB_LISTEN when it cannot. */
  async listen(): Promise<AddressInfo> {
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) => {
        const hint = error.code === 'EADDRINUSE' ? 'another process uses this port: stop it or change the port' : 'check the address and port';
        reject(new TributaryError('ERR_HUB_LISTEN', `cannot listen for http on ${host}:${port}: ${error.code ?? error.message}; ${hint} (listeners.http in the hub config)`, { cause: error }));
      };
      this.server.once('error', fail);
      this.server.listen(port, host, () => {
        this.server.off('error', fail);
        resolve();
      });
    });
    return this.address;
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Base URL, e.g. http://127.0.0.1:8080. */
  get url(): string {
    const { address, port, family } = this.address;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  }

  /** Whether an `api.token` is configured (clients must log in). */
  get tokenRequired(): boolean {
    return this.tokenHash !== undefined;
  }

  /** Compares a candidate with the token in constant time; false when no token is configured. */
  tokenMatches(candidate: string): boolean {
    return this.tokenHash !== undefined && timingSafeEqual(sha256(candidate), this.tokenHash);
  }

  /** Adds a route; `path` holds `:name` parameters, e.g. `/v1/groups/:group`. Routes need authentication unless `options.auth` is false. */
  route(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): void {
    const names: string[] = [];
    const source = path.replace(/:([a-z_]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, path, pattern: new RegExp(`^${source}$`), names, handler, auth: options.auth ?? true });
  }

  /** Stops accepting, ends long polls and closes every connection. */
  async close(): Promise<void> {
    this.closing.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    setTimeout(() => this.server.closeAllConnections(), 1000).unref();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub');
    const method = req.method ?? 'GET';
    const signal = AbortSignal.any([this.closing.signal, disconnectSignal(res)]);
    const remoteAddress = req.socket.remoteAddress ?? '';
    let route: Route | undefined;
    let params: Record<string, string> = {};
    try {
      const authenticated = this.authenticate(req, remoteAddress);
      let pathKnown = false;
      for (const candidate of this.routes) {
        const match = candidate.pattern.exec(url.pathname);
        if (!match) continue;
        pathKnown = true;
        if (candidate.method !== method && !(method === 'HEAD' && candidate.method === 'GET')) continue;
        route = candidate;
        params = Object.fromEntries(candidate.names.map((name, i) => [name, decodeParam(match[i + 1]!)]));
        break;
      }
      if (!mayServe({ tokenRequired: this.tokenRequired, authenticated, openRoute: route?.auth === false })) this.refuse(remoteAddress);
      if (!route) {
        if (pathKnown) throw new ApiError(405, 'ERR_API_METHOD', `${method} is not allowed on ${url.pathname}`);
        throw new ApiError(404, 'ERR_API_NOT_FOUND', `no such endpoint: ${method} ${url.pathname} (see docs/hub.md, "HTTP API")`);
      }
      const answer = await route.handler({ method, path: url.pathname, params, query: url.searchParams, json: () => readJson(req), signal, headers: req.headers, remoteAddress, authenticated });
      const status = answer.status ?? (answer.body === undefined && answer.raw === undefined && answer.stream === undefined ? 204 : 200);
      this.options.metrics.inc('tributary_api_requests_total', { route: `${route.method} ${route.path}`, status: String(status) });
      if (answer.stream !== undefined) {
        answer.stream(res);
        return;
      }
      if (answer.raw !== undefined) {
        sendRaw(res, status, answer.raw, answer.headers ?? {}, method === 'HEAD');
        return;
      }
      send(res, status, answer.body, answer.headers);
    } catch (error) {
      const { status, code, message } = errorResponse(error);
      if (status >= 500) this.options.logger.error({ err: error, method, path: url.pathname }, message);
      this.options.metrics.inc('tributary_api_errors_total', { code });
      if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      // The body of a refused request may still be arriving: do not keep the connection for it.
      if (status === 413) {
        res.setHeader('Connection', 'close');
        req.resume();
      }
      send(res, status, { error: { code, message } });
    }
  }

  /** Whether the request may use protected routes: the bearer token or a live session cookie; without a token, any loopback client. */
  private authenticate(req: IncomingMessage, remoteAddress: string): boolean {
    if (this.tokenHash === undefined) return isLoopback(remoteAddress);
    const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
    if (match && this.tokenMatches(match[1]!.trim())) return true;
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    return session !== undefined && this.sessions.touch(session);
  }

  private refuse(remoteAddress: string): never {
    if (this.tokenHash === undefined) {
      throw new ApiError(403, 'ERR_API_FORBIDDEN', `the HTTP API has no token, so it answers clients on this machine only (not ${remoteAddress}): set api.token in the hub config`);
    }
    throw new ApiError(401, 'ERR_API_UNAUTHORIZED', 'missing or wrong token: send `Authorization: Bearer <api.token>`, or log in with POST /v1/login');
  }
}

/** Reads `api.token` (inline, `{ env }` or `{ file }`); throws ERR_API_TOKEN when it cannot. */
export function resolveApiToken(ref: string | { env: string } | { file: string }): string {
  let token: string | undefined;
  if (typeof ref === 'string') token = ref;
  else if ('env' in ref) {
    token = process.env[ref.env];
    if (token === undefined) throw new TributaryError('ERR_API_TOKEN', `environment variable ${ref.env} is not set (api.token reads the HTTP API token from it)`);
  } else {
    try {
      token = readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new TributaryError('ERR_API_TOKEN', `cannot read api.token file ${ref.file}: ${errorMessage(error)}`, { cause: error });
    }
  }
  if (token.length < 16) throw new TributaryError('ERR_API_TOKEN', 'api.token is shorter than 16 characters: use a long random one (e.g. `openssl rand -base64 32`)');
  return token;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, 'ERR_API_BAD_PARAMETER', `path segment ${raw} is not valid percent-encoding`);
  }
}

function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers }).end(text);
}

function sendRaw(res: ServerResponse, status: number, raw: string | Buffer, headers: Record<string, string | string[]>, headOnly: boolean): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Length': Buffer.byteLength(raw), ...headers });
  res.end(headOnly ? undefined : raw);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const announced = Number(req.headers['content-length'] ?? 0);
  if (announced > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'ERR_API_BAD_JSON', `the request body is not JSON: ${(error as Error).message}`);
  }
}

function tooLarge(): ApiError {
  return new ApiError(413, 'ERR_API_BODY_TOO_LARGE', `the request body is over ${MAX_BODY_BYTES} bytes`);
}
