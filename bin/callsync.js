#!/usr/bin/env -S node --max-old-space-size=256
// callsync runs its TypeScript sources directly through tsx: no build step between `npm ci` and use.
// The heap ceiling makes V8 collect early: a sync holds one page (~15 MB) at a time, and without a ceiling
// V8 lets garbage pile up to several times that. Override with NODE_OPTIONS=--max-old-space-size=N.
import { register } from 'tsx/esm/api';

// graphql-js runs extra cross-realm instanceof checks unless NODE_ENV is production (about 10 % of the
// API's CPU per page); nothing else in callsync reads NODE_ENV.
process.env.NODE_ENV ??= 'production';
register();
await import('../src/cli/index.ts');
