import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../../hub/hub.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startDashboardHub } from './dashboard-harness.js';

/** Sends a raw request line (fetch would normalize `..` away) and returns the status code. */
function rawStatus(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])));
    socket.on('error', reject);
  });
}

describe('dashboard files', () => {
  const dir = tempDir();
  const dashboard = join(dir.path, 'dashboard');
  let hub: RunningHub;
  let url: string;

  beforeAll(async () => {
    mkdirSync(join(dashboard, 'assets'), { recursive: true });
    writeFileSync(join(dashboard, 'index.html'), '<!doctype html><script src="/assets/app.js"></script>');
    writeFileSync(join(dashboard, 'app.js'), 'console.log("flat")');
    writeFileSync(join(dashboard, 'app.css'), 'body{}');
    writeFileSync(join(dashboard, 'assets', 'logo.svg'), '<svg/>');
    writeFileSync(join(dir.path, 'secret.txt'), 'outside the dashboard folder');
    ({ hub, url } = await startDashboardHub(join(dir.path, 'data'), { token: true, dashboardDir: dashboard }));
  });
  afterAll(async () => {
    await hub?.stop();
    dir.remove();
  });

  it('serves index.html at / (no-cache) and assets with their content types, without authentication', async () => {
    const index = await fetch(`${url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('/assets/app.js');
    const cases: [string, string, string][] = [
      ['/assets/app.js', 'text/javascript; charset=utf-8', 'console.log("flat")'],
      ['/assets/app.css', 'text/css; charset=utf-8', 'body{}'],
      ['/assets/logo.svg', 'image/svg+xml', '<svg/>'],
    ];
    for (const [path, type, body] of cases) {
      const response = await fetch(url + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe(type);
      expect(await response.text()).toBe(body);
    }
    const head = await fetch(`${url}/assets/app.css`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('6');
  });

  it('answers 404 for a missing file and refuses every way out of the folder', async () => {
    const missing = await fetch(`${url}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('ERR_API_NOT_FOUND');
    for (const path of ['/assets/..%2Fsecret.txt', '/assets/..%2F..%2Fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/assets/..%5Csecret.txt', '/assets/.hidden']) {
      const response = await fetch(url + path);
      expect(response.status, path).toBe(400);
      expect(await response.text()).not.toContain('outside the dashboard folder');
    }
    // a raw `..` in the request path is resolved by the URL parser, so it can only reach routes, never files
    for (const path of ['/assets/../../secret.txt', '/../secret.txt', '/assets/../secret.txt']) expect(await rawStatus(url, path), path).not.toBe(200);
  });
});

describe('dashboard not built', () => {
  const dir = tempDir();
  let hub: RunningHub;
  let url: string;

  beforeAll(async () => {
    ({ hub, url } = await startDashboardHub(dir.path, { dashboardDir: join(dir.path, 'missing-dist') }));
  });
  afterAll(async () => {
    await hub?.stop();
    dir.remove();
  });

  it('answers GET / with a 503 saying to run npm run build', async () => {
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toContain('npm run build');
    expect((await fetch(`${url}/assets/app.js`)).status).toBe(503);
  });
});
