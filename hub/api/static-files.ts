import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../core/config/repo-root.js';
import { ApiError, badParameter } from './errors.js';
import type { ApiResponse, ApiServer } from './server.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where `scripts/build-dashboard.mjs` writes the page: `dist/dashboard` under the repo root (from sources and from dist/ alike). */
export function defaultDashboardDir(): string {
  return join(repoRoot(dirname(fileURLToPath(import.meta.url))), 'dist', 'dashboard');
}

/**
 * Serves the dashboard's built files without authentication (the page itself asks /v1/session):
 * GET / (index.html) and GET /assets/<name> (from `<dir>/assets/` or `<dir>/`). Files are read per
 * request, so a rebuild shows without a restart; answers 503 while the folder does not exist.
 */
export function addStaticRoutes(server: ApiServer, dir: string): void {
  const root = resolve(dir);
  const index = () => serveFile(root, join(root, 'index.html'));
  server.route('GET', '/', index, { auth: false });
  server.route('GET', '/index.html', index, { auth: false });
  server.route('GET', '/assets/:file', (req) => {
    const name = req.params.file!;
    // One path segment, no dot-dot, nothing hidden: the only way out of the folder is refused before touching the disk.
    if (name === '' || name.startsWith('.') || /[/\\\0]/.test(name)) throw badParameter(`asset name ${JSON.stringify(name)} is not a file name`);
    const nested = join(root, 'assets', name);
    return serveFile(root, existsSync(nested) ? nested : join(root, name));
  }, { auth: false });
}

function serveFile(root: string, path: string): ApiResponse {
  if (!existsSync(root)) {
    return { status: 503, raw: `The dashboard is not built: ${root} is missing. Run \`npm run build\` (it builds the dashboard too), then reload.\n`, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } };
  }
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) throw badParameter('path outside the dashboard folder');
  let body: Buffer;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    body = readFileSync(path);
  } catch {
    throw new ApiError(404, 'ERR_API_NOT_FOUND', `no such dashboard file: ${inside}`);
  }
  return {
    raw: body,
    headers: {
      'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      // Names are not content-hashed: the browser revalidates, so a rebuilt page is never stale.
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    },
  };
}
