import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import { addEventRoutes } from '../../../hub/api/events-routes.js';
import { ApiServer } from '../../../hub/api/server.js';
import { FleetRegistry } from '../../../hub/fleet/registry.js';
import { openEvents, type EventStream } from '../../integration/hub/dashboard-harness.js';

describe('GET /v1/events stream limit', () => {
  const streams: EventStream[] = [];
  let server: ApiServer | undefined;
  let fleet: FleetRegistry | undefined;
  afterEach(async () => {
    for (const stream of streams) stream.close();
    streams.length = 0;
    await server?.close();
    fleet?.close();
  });

  it('refuses a stream past maxStreams with 503 ERR_API_TOO_MANY_STREAMS, and serves one again once a stream closed', async () => {
    const metrics = new Metrics();
    fleet = new FleetRegistry({ credentials: { list: () => [] }, metrics, logger: silentLogger(), checkIntervalMs: 0 });
    server = new ApiServer({ host: '127.0.0.1', port: 0, logger: silentLogger(), metrics });
    addEventRoutes(server, { fleet, onAggregates: () => () => undefined, windowsMs: [10_000], metrics, logger: silentLogger(), maxStreams: 1 });
    await server.listen();
    const first = await openEvents(server.url, '/v1/events');
    streams.push(first);
    await first.next((e) => e.event === 'fleet');
    const refused = await fetch(`${server.url}/v1/events`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ERR_API_TOO_MANY_STREAMS');
    expect(metrics.get('tributary_api_sse_refused_total')).toBe(1);
    first.close();
    await expect.poll(() => metrics.get('tributary_api_sse_clients')).toBe(0);
    const again = await openEvents(server.url, '/v1/events');
    streams.push(again);
    expect(again.status).toBe(200);
  });
});
