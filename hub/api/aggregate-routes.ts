import { TributaryError } from '../../core/errors.js';
import type { AggregateQueries } from '../aggregate/query.js';
import { ApiError } from './errors.js';
import type { ApiRequest, ApiServer } from './server.js';

/** Adds the aggregate query endpoints (docs/aggregation.md) to the API server. */
export function addAggregateRoutes(server: ApiServer, queries: AggregateQueries): void {
  server.route('GET', '/v1/aggregates', (req) =>
    answer(() => {
      const window = param(req, 'window') ?? param(req, 'window_ms');
      const key = param(req, 'key');
      const metric = param(req, 'metric');
      const from = param(req, 'from');
      const to = param(req, 'to');
      const limit = param(req, 'limit');
      const windows = queries.queryWindows({
        window_ms: window ?? '',
        ...(key === undefined ? {} : { key }),
        ...(metric === undefined ? {} : { metric }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(limit === undefined ? {} : { limit }),
      });
      return { windows };
    }),
  );

  server.route('GET', '/v1/aggregates/series', () => ({ body: queries.series() }));

  server.route('GET', '/v1/aggregates/late', (req) => answer(() => ({ late: queries.lateCounts(keyQuery(req)) })));

  server.route('GET', '/v1/latest', (req) => answer(() => ({ latest: queries.latestValues(keyQuery(req)) })));
}

function param(req: ApiRequest, name: string): string | undefined {
  return req.query.get(name) ?? undefined;
}

function keyQuery(req: ApiRequest): { key?: string } {
  const key = param(req, 'key');
  return key === undefined ? {} : { key };
}

/** Runs a query; its ERR_AGGREGATE_QUERY errors (bad parameters) answer 400. */
function answer(query: () => unknown): { body: unknown } {
  try {
    return { body: query() };
  } catch (error) {
    if (error instanceof TributaryError && error.code === 'ERR_AGGREGATE_QUERY') throw new ApiError(400, error.code, error.message.replace(/^window_ms\b/, 'window'));
    throw error;
  }
}
