import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../scripts/build-dashboard.mjs', import.meta.url));

/** XML namespace names in preact's DOM code: identifiers, never fetched. */
const NAMESPACE_URIS = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xhtml', 'http://www.w3.org/1998/Math/MathML', 'http://www.w3.org/1999/xlink', 'http://www.w3.org/XML/1998/namespace']);

/** The http(s) URLs of a file's code, comments left out (license notices and the source map link are comments). */
function urlsOutsideComments(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/https?:\/\/[^\s"'`)<>]+/g)].map((m) => m[0]).filter((url) => !NAMESPACE_URIS.has(url));
}

describe('scripts/build-dashboard.mjs', () => {
  const out = tempDir('tributary-dashboard-build-');
  let stdout = '';

  beforeAll(async () => {
    ({ stdout } = await run(process.execPath, [script, '--outdir', out.path]));
  });
  afterAll(() => out.remove());

  it('writes app.js, app.css (with source maps) and index.html, and prints their sizes on one line', () => {
    for (const name of ['app.js', 'app.js.map', 'app.css', 'app.css.map', 'index.html']) expect(statSync(join(out.path, name)).size, name).toBeGreaterThan(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toMatch(/app\.js [0-9.]+ KiB/);
    expect(stdout).toMatch(/app\.css [0-9.]+ KiB/);
  });

  it('bundles preact, uPlot and its CSS (the page needs nothing else)', () => {
    const js = readFileSync(join(out.path, 'app.js'), 'utf8');
    const css = readFileSync(join(out.path, 'app.css'), 'utf8');
    expect(js).toContain('sourceMappingURL=app.js.map');
    expect(js).not.toMatch(/\bimport\s*[("']|from\s*["']/);
    expect(css).toContain('.uplot');
    expect(css).toContain('.data-table');
  });

  it('references no URL outside comments: no CDN, works offline', () => {
    for (const name of ['app.js', 'app.css', 'index.html']) expect(urlsOutsideComments(readFileSync(join(out.path, name), 'utf8')), name).toEqual([]);
  });

  it('gives index.html the bundle (relative /assets/ paths) and a mount point', () => {
    const html = readFileSync(join(out.path, 'index.html'), 'utf8');
    expect(html).toMatch(/<script[^>]+src="assets\/app\.js"/);
    expect(html).toMatch(/<link[^>]+href="assets\/app\.css"/);
    expect(html).toContain('id="app"');
  });

  it('exits non-zero with a message when it cannot write the output', async () => {
    const file = join(out.path, 'not-a-directory');
    writeFileSync(file, '');
    const failure = await run(process.execPath, [script, '--outdir', join(file, 'dashboard')]).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.code).toBeDefined();
    expect(failure?.stderr).toMatch(/dashboard build failed/);
  });
});
