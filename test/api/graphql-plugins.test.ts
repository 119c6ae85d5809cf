import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { maskErrors, useRequestErrorStatus } from '../../src/api/graphql-plugins.ts';
import { createLogger } from '../../src/logger.ts';
import { badInput } from '../../src/resolvers/errors.ts';

const logged: string[] = [];
const logger = createLogger('info', { write: (line: string) => void logged.push(line) });

/** Resolvers failing the ways real ones do: a driver error carrying SQL, a cancelled statement, a bad argument. */
const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { ok: String, boom: String, slow: String, conflict: String, bad: String }',
    resolvers: {
      Query: {
        ok: () => 'fine',
        boom: () => {
          throw new Error('Failed query: select secret_column from api_keys');
        },
        // drizzle wraps the driver's error; the SQLSTATE is on its cause.
        slow: () => {
          throw new Error('Failed query: select pg_sleep(60)', { cause: Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }) });
        },
        // What a hot standby says when replaying the primary's WAL cannot wait for a read any longer.
        conflict: () => {
          throw new Error('Failed query: select …', { cause: Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' }) });
        },
        bad: () => {
          throw badInput('first must be between 1 and 500', 'first');
        },
      },
    },
  }),
  logging: false,
  maskedErrors: { maskError: maskErrors(logger, 1234) },
  plugins: [useRequestErrorStatus],
});

async function ask(query: string, accept = 'application/json') {
  const res = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query }) });
  return { status: res.status, text: await res.text() };
}

describe('GraphQL errors over HTTP', () => {
  it('masks an unexpected resolver error, logs its cause, and still answers the other fields with 200', async () => {
    logged.length = 0;
    const { status, text } = await ask('{ ok boom }');
    expect(status).toBe(200); // GraphQL-over-HTTP: a field error is a partial response, not a failed request
    expect(JSON.parse(text)).toEqual({
      data: { ok: 'fine', boom: null },
      errors: [{ message: 'Unexpected error.', locations: [{ line: 1, column: 6 }], path: ['boom'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(text).not.toMatch(/secret_column|stack|at /);
    expect(logged.join('')).toContain('select secret_column from api_keys');
    expect(logged.join('')).toContain('"path":["boom"]');
  });

  it('turns a cancelled statement into QUERY_TIMEOUT with 503', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const { status, text } = await ask('{ ok slow }', accept);
      expect(status).toBe(503);
      const error = JSON.parse(text).errors[0];
      expect(error).toMatchObject({ path: ['slow'], extensions: { code: 'QUERY_TIMEOUT' } });
      expect(error.message).toMatch(/longer than 1234 ms and was cancelled/);
      expect(text).not.toContain('pg_sleep');
    }
  });

  it("turns a replica's recovery-conflict cancel into a retryable QUERY_CONFLICT with 503", async () => {
    const res = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ ok conflict }' }) });
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '1']);
    const body = await res.json();
    expect(body).toMatchObject({ data: { ok: 'fine', conflict: null }, errors: [{ path: ['conflict'], extensions: { code: 'QUERY_CONFLICT' } }] });
    expect(JSON.stringify(body)).not.toContain('recovery');
  });

  it('answers BAD_USER_INPUT with 400 whatever the Accept header', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*']) {
      const { status, text } = await ask('{ bad }', accept);
      expect(status).toBe(400);
      expect(JSON.parse(text).errors[0]).toMatchObject({ message: 'first must be between 1 and 500', extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
    }
  });

  it('answers a request error with 400 also for the legacy application/json', async () => {
    expect((await ask('{ nope }')).status).toBe(400);
    expect((await ask('{ ok ')).status).toBe(400);
  });
});
