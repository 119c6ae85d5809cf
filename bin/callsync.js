#!/usr/bin/env -S node --max-old-space-size=256
// callsync runs the JavaScript compiled into dist/ by `npm run build` (which `npm ci` runs through `prepare`):
// plain Node, no TypeScript toolchain loaded at run time. Tests and `npm run callsync` run src/ through tsx.
// The heap ceiling makes V8 collect early: a sync holds one page (~15 MB) at a time, and without a ceiling
// V8 lets garbage pile up to several times that. Override with NODE_OPTIONS=--max-old-space-size=N.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('callsync: dist/cli/index.js is missing (callsync runs compiled JavaScript): run `npm run build` in the callsync directory');
  process.exit(1);
}

// graphql-js runs extra cross-realm instanceof checks unless NODE_ENV is production (about 10 % of the
// API's CPU per page); nothing else in callsync reads NODE_ENV.
process.env.NODE_ENV ??= 'production';
await import(entry.href);
