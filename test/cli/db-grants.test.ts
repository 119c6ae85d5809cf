import { describe, expect, it } from 'vitest';
import { registerDbGrants } from '../../src/cli/commands/db-grants.ts';
import { API_READ_TABLES, BI_SCHEMA, grantStatements, renderGrants } from '../../src/store/roles.ts';
import { runCommandInProcess } from '../helpers/cli.ts';

/** The SQL is applied to a real server in test/api/read-only-role.int.test.ts; this is the command's surface. */
const dbGrants = (...args: string[]) => runCommandInProcess(registerDbGrants, ['db-grants', ...args], {});

describe('callsync db-grants', () => {
  it('prints both parts for the named roles and database, and connects to nothing (no DATABASE_URL needed)', async () => {
    const result = await dbGrants('--api-role', 'crm_reader', '--sync-role', 'callsync', '--database', 'calls-prod');
    expect(result).toEqual({ status: 0, stdout: renderGrants({ apiRole: 'crm_reader', syncRole: 'callsync', database: 'calls-prod' }), stderr: '' });
    expect(result.stdout).toContain('GRANT CONNECT, CREATE ON DATABASE "calls-prod" TO "callsync";');
    expect(result.stdout).toContain('GRANT UPDATE (last_used_at) ON public.api_keys TO "crm_reader";');
    expect((await dbGrants('--api-role', 'a', '--sync-role', 'b')).stdout).toContain('ON DATABASE "callsync" TO "b"');
  });

  it("grants the API role reads of its tables only: never auth_sessions (RingCentral tokens), of accounts only the id and name, and no write but last_used_at", () => {
    const { setup, tables } = grantStatements({ apiRole: 'api', syncRole: 'sync', database: 'callsync' });
    const forApi = [...setup, ...tables].filter((s) => s.includes('TO "api"'));
    expect(forApi.join('\n')).not.toMatch(/auth_sessions|ALL TABLES|INSERT|DELETE|CREATE/);
    expect(forApi.filter((s) => s.includes('accounts'))).toEqual(['GRANT SELECT (id, name) ON public.accounts TO "api";']);
    expect(forApi.filter((s) => /UPDATE/.test(s))).toEqual(['GRANT UPDATE (last_used_at) ON public.api_keys TO "api";']);
    expect(API_READ_TABLES).not.toContain('auth_sessions');
  });

  it('with --media, grants the API role the RingCentral sessions, the shared rate budget and the added accounts\' credentials (serve then fetches audio), and nothing more', async () => {
    const plain = grantStatements({ apiRole: 'api', syncRole: 'sync', database: 'callsync' });
    const media = grantStatements({ apiRole: 'api', syncRole: 'sync', database: 'callsync', media: true });
    expect(media.tables.filter((s) => !plain.tables.includes(s))).toEqual([
      'GRANT SELECT, INSERT, UPDATE ON public.auth_sessions, public.rate_ledger TO "api";',
      'GRANT SELECT ON public.managed_accounts TO "api";',
    ]);
    expect((await dbGrants('--api-role', 'api', '--sync-role', 'sync', '--media')).stdout).toContain('GRANT SELECT, INSERT, UPDATE ON public.auth_sessions, public.rate_ledger TO "api";');
  });

  it('with --bi-role, grants that role CONNECT, USAGE on the views\' schema and SELECT on its views: no table, no write', async () => {
    const { stdout } = await dbGrants('--api-role', 'api', '--sync-role', 'sync', '--bi-role', 'metabase');
    const forBi = stdout.split('\n').filter((line) => line.includes('"metabase"') && !line.startsWith('--'));
    expect(forBi).toEqual([
      'GRANT CONNECT ON DATABASE "callsync" TO "metabase";',
      'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "metabase";',
      `GRANT USAGE ON SCHEMA ${BI_SCHEMA} TO "metabase";`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${BI_SCHEMA} TO "metabase";`,
    ]);
    expect((await dbGrants('--api-role', 'api', '--sync-role', 'sync')).stdout).not.toContain(BI_SCHEMA);
  });

  it.each([
    ['a BI role that is the API role', ['--api-role', 'api', '--sync-role', 'sync', '--bi-role', 'api'], '--bi-role must be a role of its own'],
    ['a BI role name that would end the identifier', ['--api-role', 'api', '--sync-role', 'sync', '--bi-role', 'bi"; --'], '--bi-role must be a role name'],
    ['a name that would end the identifier', ['--api-role', 'x"; drop table calls; --', '--sync-role', 'sync'], '--api-role must be a role name of 1-63 characters'],
    ['a name starting with a digit', ['--api-role', 'api', '--sync-role', '1sync'], '--sync-role must be a role name'],
    ['a reserved role', ['--api-role', 'pg_read_all_data', '--sync-role', 'sync'], '--api-role cannot be "pg_read_all_data": PostgreSQL reserves'],
    ['PUBLIC', ['--api-role', 'PUBLIC', '--sync-role', 'sync'], '--api-role cannot be "PUBLIC"'],
    ['one role for both', ['--api-role', 'callsync', '--sync-role', 'callsync'], '--api-role and --sync-role must be two different roles'],
    ['a quote in the database name', ['--api-role', 'api', '--sync-role', 'sync', '--database', "call'sync"], '--database must be a database name'],
  ])('refuses %s (exit 2, naming the flag) and prints no SQL', async (_why, args, message) => {
    const result = await dbGrants(...args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});
