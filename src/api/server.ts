import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { createSchema, createYoga } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { resolvers } from '../resolvers/index.ts';
import type { ApiContext, ApiLimits } from '../resolvers/context.ts';
import { useApiKey } from '../store/api-keys.ts';
import type { Database } from '../store/db.ts';
import { migrationsApplied } from '../store/migrate.ts';

/** The served schema: the CRM contract, schema-first (src/schema/api.graphql). */
export const typeDefs = readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8');

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The HTTP API: GraphQL at /graphql (GraphiQL in a browser; every operation needs `Authorization: Bearer
 * <key>`), /healthz (the process answers) and /readyz (database reachable and migrated), both without auth.
 */
export async function startApiServer(options: { database: Database; port: number; host?: string; logger: Logger; limits?: Partial<ApiLimits> }): Promise<ApiServer> {
  const { database, logger } = options;
  const limits: ApiLimits = { maxPageSize: 500, ...options.limits };
  const yoga = createYoga<Record<string, unknown>, ApiContext>({
    schema: createSchema<Record<string, unknown> & ApiContext>({ typeDefs, resolvers }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    context: ({ apiKeyName }) => ({ database, apiKeyName: String(apiKeyName), limits }),
  });

  /** The key's name, or the 401 answer to send. Only the GraphiQL page itself (a browser GET) needs none. */
  async function authenticate(req: IncomingMessage): Promise<string | { status: 401; message: string }> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return { status: 401, message: 'missing API key: send "Authorization: Bearer <key>" (create one with `callsync api-key create --name NAME`)' };
    return (await useApiKey(database.db, match[1]!)) ?? { status: 401, message: 'unknown or revoked API key' };
  }

  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return reply(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      try {
        await database.query(sql`select 1`);
        const migrated = await migrationsApplied(database);
        return reply(res, migrated ? 200 : 503, migrated ? { status: 'ready' } : { status: 'not ready', reason: 'migrations not applied' });
      } catch (error) {
        return reply(res, 503, { status: 'not ready', reason: `database unreachable: ${(error as Error).message}` });
      }
    }
    if (path === '/graphql') {
      const graphiqlPage = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html') && !(req.url ?? '').includes('query=');
      if (graphiqlPage) return yoga(req, res, { apiKeyName: '' });
      const auth = await authenticate(req);
      if (typeof auth !== 'string') {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="callsync"' });
        return res.end(JSON.stringify({ errors: [{ message: auth.message, extensions: { code: 'UNAUTHENTICATED' } }] }));
      }
      return yoga(req, res, { apiKeyName: auth });
    }
    reply(res, 404, { error: `no such path: ${path}; the API is at /graphql` });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  logger.info({ url: `${url}/graphql` }, 'GraphQL API listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function reply(res: import('node:http').ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
