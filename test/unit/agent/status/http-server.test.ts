import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../core/logger.js';
import { Metrics } from '../../../../core/metrics.js';
import type { AgentStatusReport } from '../../../../core/status.js';
import { AgentHttpServer } from '../../../../agent/http/server.js';

describe('AgentHttpServer', () => {
  let server: AgentHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (reasons: string[], status: () => AgentStatusReport = () => ({ seq: 4 }) as AgentStatusReport) => {
    const metrics = new Metrics();
    let refreshed = 0;
    server = await AgentHttpServer.start({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      metrics,
      status,
      notReadyReasons: () => reasons,
      refreshMetrics: () => metrics.set('tributary_buffer_records', { partition: '0' }, ++refreshed),
    });
    return `http://127.0.0.1:${server.address.port}`;
  };

  it('answers 503 with the reasons while not ready, 200 once ready', async () => {
    const reasons = ['sources not started yet'];
    const base = await start(reasons);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not_ready', reasons: ['sources not started yet'] });
    reasons.length = 0;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('refreshes the gauges before each scrape, ignores query strings, and explains errors as JSON', async () => {
    const base = await start([], () => {
      throw new Error('log closed');
    });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('tributary_buffer_records{partition="0"} 1\n');
    expect(await (await fetch(`${base}/metrics?x=1`)).text()).toContain('tributary_buffer_records{partition="0"} 2\n');
    const failed = await fetch(`${base}/status`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { code: 'ERR_AGENT_HTTP_INTERNAL', message: '/status failed: log closed (see the agent log)' } });
    const method = await fetch(`${base}/healthz`, { method: 'DELETE' });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses to start on a port already taken, with a code that says what to do', async () => {
    const base = await start([]);
    const port = Number(new URL(base).port);
    await expect(AgentHttpServer.start({ host: '127.0.0.1', port, logger: silentLogger(), metrics: new Metrics(), status: () => ({}) as AgentStatusReport, notReadyReasons: () => [], refreshMetrics: () => undefined }))
      .rejects.toMatchObject({ code: 'ERR_AGENT_HTTP_LISTEN' });
  });
});
