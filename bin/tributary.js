#!/usr/bin/env node
// The compiled CLI lives in dist/ (npm run build). heap-profile goes first, alone: it keeps V8's young
// generation small, which only works before the CLI's modules are parsed (dist/cli/heap-profile.js).
try {
  await import('../dist/cli/heap-profile.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli')) {
    console.error('tributary is not built yet: run "npm run build" in the repository first');
    process.exit(70);
  }
  throw error;
}
await import('../dist/cli/tributary.js');
