#!/usr/bin/env node
// Bundles the hub dashboard (dashboard/src/main.tsx, preact + uPlot) with esbuild into one app.js + app.css
// (minified, with source maps) and copies index.html beside them: everything the page needs, no CDN.
// Usage: node scripts/build-dashboard.mjs [--outdir <dir>]   (default dist/dashboard)
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  const outdir = path.resolve(values.outdir ?? path.join(root, 'dist', 'dashboard'));
  await mkdir(outdir, { recursive: true });

  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: path.join(root, 'dashboard', 'src', 'main.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: true,
    legalComments: 'eof',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: path.join(root, 'dashboard', 'tsconfig.json'),
    loader: { '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty' },
    logLevel: 'silent',
    metafile: true,
  });
  for (const warning of result.warnings) console.warn(`warning: ${formatMessage(warning)}`);

  await copyFile(path.join(root, 'dashboard', 'index.html'), path.join(outdir, 'index.html'));

  const sizes = await Promise.all(['app.js', 'app.css', 'index.html'].map(async (name) => `${name} ${kib((await stat(path.join(outdir, name))).size)}`));
  console.log(`dashboard: ${sizes.join(', ')} -> ${path.relative(process.cwd(), outdir) || '.'}`);
}

function kib(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function formatMessage(message) {
  const where = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '';
  return `${where}${message.text}`;
}

main().catch((error) => {
  // esbuild's BuildFailure carries every error with its location; print each on its own line.
  if (Array.isArray(error?.errors) && error.errors.length > 0) {
    for (const message of error.errors) console.error(`error: ${formatMessage(message)}`);
    console.error(`dashboard build failed with ${error.errors.length} error(s)`);
  } else {
    console.error(`dashboard build failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
