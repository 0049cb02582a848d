import type { Metrics } from '../../core/metrics.js';
import { ApiError, badParameter } from './errors.js';
import type { ApiServer } from './server.js';
import { SESSION_COOKIE, clearedSessionCookie, readCookie, sessionCookie } from './session.js';

export interface SessionRouteOptions {
  hubId: string;
  version: string;
  metrics: Metrics;
}

/** Adds GET /v1/session, POST /v1/login and POST /v1/logout (served without authentication: they are how a page gets it). */
export function addSessionRoutes(server: ApiServer, options: SessionRouteOptions): void {
  // Exists at 0 from the start, so a rate() alert sees the first wrong token.
  const loginFailures = options.metrics.counter('tributary_api_login_failures_total');
  server.route('GET', '/v1/session', (req) => ({ body: { authenticated: req.authenticated, tokenRequired: server.tokenRequired, hubId: options.hubId, version: options.version } }), { auth: false });

  server.route(
    'POST',
    '/v1/login',
    async (req) => {
      const body = await req.json();
      const token = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).token : undefined;
      // Without a token only loopback clients get this far (`mayServe` refuses the others): nothing to check.
      if (!server.tokenRequired) return {};
      if (typeof token !== 'string' || token === '') throw badParameter('the body must be { "token": "<api.token>" }');
      if (!server.tokenMatches(token)) {
        loginFailures.inc();
        throw new ApiError(401, 'ERR_API_UNAUTHORIZED', 'wrong token: give the api.token of the hub config');
      }
      return { headers: { 'Set-Cookie': sessionCookie(server.sessions.create()) } };
    },
    { auth: false },
  );

  server.route(
    'POST',
    '/v1/logout',
    (req) => {
      const id = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (id !== undefined) server.sessions.delete(id);
      return { headers: { 'Set-Cookie': clearedSessionCookie() } };
    },
    { auth: false },
  );
}
