import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import type { ApiLimits } from '../../src/resolvers/context.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import type { Database } from '../../src/store/db.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export interface ApiClient {
  server: ApiServer;
  /** POSTs a query with the client's key; the parsed body with the HTTP status. */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** The real HTTP API on a database, with a fresh API key: what a CRM integration talks to. */
export async function startApi(database: Database, limits?: Partial<ApiLimits>): Promise<ApiClient> {
  const key = await createApiKey(database.db, `test-${Math.random().toString(36).slice(2)}`);
  const server = await startApiServer({ database, port: 0, logger: silentLogger, ...(limits ? { limits } : {}) });
  return {
    server,
    async gql(query, variables) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    close: () => server.close(),
  };
}
