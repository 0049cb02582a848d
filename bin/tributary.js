#!/usr/bin/env node
// The compiled CLI lives in dist/ (npm run build).
import('../dist/cli/tributary.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli')) {
    console.error('tributary is not built yet: run "npm run build" in the repository first');
    process.exit(70);
  }
  throw error;
});
