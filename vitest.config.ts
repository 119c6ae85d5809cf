import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One graphql instance, the one Node loads for graphql-yoga too: Vite would otherwise pick graphql's
    // index.mjs for our files, and yoga would take our GraphQLErrors for foreign ones and mask them.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Timeouts catch hangs, not slowness: on a busy two-core machine an integration test takes several times
    // what it takes on an idle one (a 60 s limit failed tests that pass). Nothing asserts on time.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Integration files each own a database and a simulator; two cores run two files at a time.
    maxWorkers: 2,
    pool: 'forks',
  },
});
