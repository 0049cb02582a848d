#!/usr/bin/env -S node --max-semi-space-size=1
// The compiled CLI lives in dist/ (npm run build).
// --max-semi-space-size=1: records live for microseconds, so a 1 MiB young generation is plenty; it saves
// ~25 MiB of RSS on edge devices (docs/benchmarks.md). `node dist/cli/tributary.js` runs without it.
import('../dist/cli/tributary.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli')) {
    console.error('tributary is not built yet: run "npm run build" in the repository first');
    process.exit(70);
  }
  throw error;
});
