import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createSchema, createYoga } from 'graphql-yoga';
import { API_DEFAULTS, type Config } from '../config.ts';
import { SetupError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { resolvers } from '../resolvers/index.ts';
import type { ApiContext, ApiLimits } from '../resolvers/context.ts';
import { createApiKeyLookup } from '../store/api-keys.ts';
import { mediaApi, type MediaServerOptions } from '../media/api.ts';
import type { Database } from '../store/db.ts';
import type { SecretKeyring } from '../secrets/box.ts';
import { openApiDatabase } from './database.ts';
import { admitKey, isRefusal, type AdmittedKey, type KeyRefusal } from './key-access.ts';
import { metricsEndpoint, type MetricsEndpointOptions } from './metrics-endpoint.ts';
import { GRAPHIQL_OPTIONS, isGraphiQLAssetPath, renderGraphiQLPage, serveGraphiQLAsset } from './graphiql.ts';
import { createReadinessCheck, noteStandby } from './readiness.ts';
import { STATUS_PAGE_PATH } from './status-page/link.ts';
import { createStatusRoute } from './status-page/route.ts';
import { errorBody, maskErrors, operationCount, useNoNulInStrings, useQueryLimits, useQueryStringErrors, useRequestErrorStatus, useUnsupportedMediaTypeMessage, useVariableErrors } from './graphql-plugins.ts';
import { readBody } from './request-body.ts';
import { createRequestGuard, currentRequestSignal } from './request-guard.ts';
import { expandedSelectionsOf, JIT_MAX_SELECTIONS, MAX_SELECTIONS } from './selection-size.ts';

/** The served schema: the CRM contract, schema-first (src/schema/api.graphql). */
export const typeDefs = readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8');

/** The executable schema the server serves: the type definitions with their resolvers (and scalars). */
export const servedSchema = () => createSchema<Record<string, unknown> & ApiContext>({ typeDefs, resolvers });

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** The server's limits: the resolvers' page cap and the protection in front of them (defaults: API_DEFAULTS). */
export interface ApiServerLimits extends ApiLimits, Pick<Config['api'], 'requestTimeoutMs' | 'poolSize' | 'maxConcurrentPerKey' | 'maxQueuedPerKey'> {
  maxDepth: number;
  maxCost: number;
  /** Most fields a document may hold with its fragments expanded (default MAX_SELECTIONS). */
  maxSelections: number;
  maxBodyBytes: number;
  /** Largest answer in bytes of JSON: a larger one is refused (400 RESPONSE_TOO_LARGE), not sent. */
  maxResponseBytes: number;
  statementTimeoutMs: number;
}

export interface ApiServerOptions {
  /** The process's database; on Postgres the API reads through its own pool to `databaseUrl` instead. */
  database: Database;
  /** postgres:// URL of `database`, for the API's statement-timed pool; absent (PGlite, tests) = use `database`. */
  databaseUrl?: string | undefined;
  port: number;
  host?: string;
  logger: Logger;
  limits?: Partial<ApiServerLimits>;
  /** The process's metrics, served at /metrics (a fresh set when absent), and METRICS_TOKEN. */
  metrics?: MetricsEndpointOptions['metrics'];
  metricsToken?: string | undefined;
  /** The process's keyring (authSessionKeyring): signed links to /status verify under it; absent = API keys only. */
  keyring?: SecretKeyring | undefined;
  /** SYNC_FAST_PATH, which the status page describes (default extract-sync). */
  syncFastPath?: 'extract-sync' | 'off';
  /** /media and GraphQL's audioUrl; without it /media answers 503 and audioUrl is null. */
  media?: MediaServerOptions | undefined;
}

/**
 * The HTTP API: GraphQL at /graphql (GraphiQL in a browser; every operation needs `Authorization: Bearer
 * <key>`), /healthz (the process answers) and /readyz (database reachable and migrated), both without auth,
 * /metrics (Prometheus; an API key or METRICS_TOKEN).
 * Requests are limited in body size, query depth and estimated cost, and SQL statements in time (Postgres).
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { logger } = options;
  const limits: ApiServerLimits = { maxSelections: MAX_SELECTIONS, ...API_DEFAULTS, ...options.limits };
  const api = await openApiDatabase(options.database, options.databaseUrl, { poolSize: limits.poolSize, statementTimeoutMs: limits.statementTimeoutMs, signal: currentRequestSignal }, logger);
  const guard = createRequestGuard({ total: limits.poolSize, perKey: limits.maxConcurrentPerKey, queuedPerKey: limits.maxQueuedPerKey, requestTimeoutMs: limits.requestTimeoutMs, statementTimeoutMs: limits.statementTimeoutMs }, logger);
  const { database } = api;
  const lookUpKey = createApiKeyLookup(database, logger);
  const readiness = createReadinessCheck(database, logger);
  void noteStandby(database, logger);
  const metrics = metricsEndpoint({ metrics: options.metrics, token: options.metricsToken, database, admission: guard.snapshot, lookUpKey, logger });
  const statusPage = createStatusRoute({ database, lookUpKey, keyring: options.keyring, fastPath: options.syncFastPath ?? 'extract-sync', guard, logger });
  const contextLimits: ApiLimits = { maxPageSize: limits.maxPageSize };
  let url = '';
  const media = mediaApi(options.media, { database, authenticate, logger, serverUrl: () => url });
  const yoga = createYoga<Record<string, unknown>, ApiContext>({
    schema: servedSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // GraphiQL from the installed bundle, not yoga's CDN page: it must work without internet (src/api/graphiql.ts).
    graphiql: GRAPHIQL_OPTIONS,
    renderGraphiQL: renderGraphiQLPage,
    logging: false,
    multipart: false,
    maskedErrors: { maskError: maskErrors(logger, limits.statementTimeoutMs) },
    // Bearer keys, not cookies: a browser tool may call the API from any origin, without credentials.
    cors: { credentials: false },
    // graphql-jit compiles each distinct query once into a function: a page of 100 calls with their legs is
    // ~10,000 fields, and the interpreter's per-field work was most of the API's CPU. Its cache is keyed by
    // the document alone, so a document with several operations runs on graphql-js (which honours
    // operationName); graphql-jit's variable errors also name the wrong variable, so graphql-js coerces
    // variables first (useVariableErrors).
    // It compiles only documents of at most JIT_MAX_SELECTIONS fields (expanded): compiling costs ~0.1 ms of
    // CPU a field, and no real query has more than a few hundred, so a large document runs on graphql-js.
    // useQueryLimits comes first: nothing over a limit reaches the compiler.
    plugins: [
      useVariableErrors, useQueryLimits({ ...limits, logger }), useNoNulInStrings, useRequestErrorStatus, useUnsupportedMediaTypeMessage,
      useQueryStringErrors, useGraphQlJit({}, { enableIf: ({ document }) => operationCount(document) === 1 && expandedSelectionsOf(document) <= JIT_MAX_SELECTIONS }),
      metrics.plugin,
    ],
    // A request without an admitted key (the GraphiQL page, a preflight) runs nothing, so reads nothing: scope [].
    context: ({ apiKey }) => {
      const key = apiKey as AdmittedKey | undefined;
      return { database, apiKeyName: key?.name ?? '', scope: key?.scope ?? [], limits: contextLimits, media: media.links };
    },
  });

  /** The key's name and scope, or the 401/403 answer to send. Only the GraphiQL page itself (a browser GET) needs none. */
  function authenticate(req: IncomingMessage): Promise<AdmittedKey | KeyRefusal> {
    return admitKey(req.headers.authorization, lookUpKey);
  }

  /** Hands the request, its body already read within the limit, to yoga and writes yoga's answer. */
  async function graphql(req: IncomingMessage, res: ServerResponse, body: Buffer, apiKey: AdmittedKey | undefined, signal?: AbortSignal) {
    const headers = new yoga.fetchAPI.Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === 'transfer-encoding' || name === 'connection') continue;
      const text = Array.isArray(value) ? value.join(', ') : value;
      // Media types are case-insensitive; yoga's parsers compare them as written.
      headers.set(name, name === 'content-type' ? text.toLowerCase() : text);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // The Host header plays no part in what is served: a fixed origin cannot be malformed.
    const request = new yoga.fetchAPI.Request(`http://localhost${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(hasBody ? { body: new Uint8Array(body) } : {}) });
    const response = await yoga.handleRequest(request, { apiKey });
    // Yoga's bodies are text (JSON, GraphiQL's page): handing the string to node saves encoding it twice.
    let text = await response.text();
    if (signal?.aborted) return; // answered already (503 past the request timeout)
    response.headers.forEach((value, name) => res.setHeader(name, value));
    // A UTF-16 unit is at most 3 bytes of UTF-8: most answers need no byte count.
    if (text.length > limits.maxResponseBytes / 3 && Buffer.byteLength(text) > limits.maxResponseBytes) {
      // The cost limit bounds how many values an answer holds, not how long each is: a page of long texts
      // under many aliases can still be large. Refused whole: a truncated page would look complete.
      logger.info({ bytes: Buffer.byteLength(text), maxResponseBytes: limits.maxResponseBytes }, 'GraphQL answer refused: too large');
      res.removeHeader('content-length');
      res.setHeader('content-type', 'application/json');
      return res.writeHead(400).end(responseTooLarge(limits.maxResponseBytes));
    }
    if (response.status === 406 && text === '') {
      res.setHeader('content-type', 'application/json');
      text = errorBody(`cannot answer in any type the Accept header allows ("${req.headers.accept ?? ''}"): accept application/json or application/graphql-response+json`, 'NOT_ACCEPTABLE');
    }
    res.writeHead(response.status).end(text);
  }

  let inFlight = 0;
  let drained: (() => void) | undefined;
  // Counted until the handler returns, not until the socket closes: a client that hung up does not stop
  // the queries its request started.
  const server: Server = createServer((req, res) => {
    inFlight++;
    void metrics.track(req, res, () => handle(req, res)).finally(() => {
      if (--inFlight === 0) drained?.();
    });
  });
  // Longer than a load balancer's idle timeout (AWS ALB: 60 s) and clients' keep-alive: the server must not
  // close a connection a client or proxy is about to reuse (a reset request, a 502 at the proxy).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return reply(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const { status, body } = await readiness();
      return reply(res, status, body);
    }
    // Streams for as long as the listener reads: outside the request timeout and admission of /graphql.
    if (path?.startsWith('/media/')) return media.handle(req, res, path);
    if (isGraphiQLAssetPath(path)) return serveGraphiQLAsset(req, res, path);
    if (path === '/metrics') return metrics.serve(req, res);
    if (path === STATUS_PAGE_PATH) return statusPage(req, res);
    if (path !== '/graphql') return reply(res, 404, { error: `no such path: ${path}; the API is at /graphql` });
    try {
      const body = await readBody(req, limits.maxBodyBytes);
      if (body === 'too large') {
        // Close the connection: the rest of the body is not read, so it cannot carry another request.
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        return res.end(errorBody(`request body larger than ${limits.maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE'));
      }
      // Yoga answers a browser's GET with the GraphiQL page and never runs its ?query= (GraphiQL keeps the
      // editor's query in the URL); a CORS preflight carries no Authorization header and runs nothing.
      const graphiqlPage = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
      if (graphiqlPage || req.method === 'OPTIONS') return await graphql(req, res, body, undefined);
      // Under the request timeout and the per-key admission limits (request-guard.ts), which answer 503/429.
      await guard.run(res, async ({ signal, admit }) => {
        const auth = await authenticate(req);
        if (isRefusal(auth)) {
          res.writeHead(auth.status, { 'content-type': 'application/json', ...(auth.status === 401 ? { 'www-authenticate': 'Bearer realm="callsync"' } : {}) });
          return res.end(errorBody(auth.message, auth.code));
        }
        if (await admit(auth.name)) await graphql(req, res, body, auth, signal);
      });
    } catch (error) {
      // Yoga answers every GraphQL failure itself; this is the key lookup or the socket failing.
      logger.error({ err: error }, 'API request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(errorBody('Unexpected error.', 'INTERNAL_SERVER_ERROR'));
      else res.destroy();
    }
  }
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Nothing may stay open behind a server that never listened, or the process could not exit.
    await api.close().catch(() => undefined);
    throw listenProblem(error, host, options.port);
  }
  const { port } = server.address() as AddressInfo;
  // The address to call from this machine: a wildcard address is not one to send requests to.
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  url = `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  logger.info(
    { url: `${url}/graphql`, host, port, ...(loopback ? { note: 'reachable from this machine only; HOST=0.0.0.0 serves other machines (behind a proxy)' } : {}) },
    'GraphQL API listening',
  );
  return {
    url,
    // Requests under way finish first (up to 5 s): ending the pool under a running query would leave its
    // socket open and the process unable to exit.
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      server.closeAllConnections();
      await closed;
      await api.close();
    },
  };
}

function responseTooLarge(maxResponseBytes: number): string {
  const limit = maxResponseBytes.toLocaleString('en-US');
  return JSON.stringify({
    errors: [{ message: `The answer is larger than ${limit} bytes, the most this server sends. Ask for smaller pages (first), fewer fields or fewer aliases.`, extensions: { code: 'RESPONSE_TOO_LARGE', maxResponseBytes } }],
  });
}

/** Why the API could not listen, naming HOST or PORT; other errors as they are. */
function listenProblem(error: unknown, host: string, port: number): unknown {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch ((error as { code?: unknown }).code) {
    case 'EADDRINUSE':
      return new SetupError(`the API cannot listen on ${where}: the port is already in use (another callsync or another program); stop it or set PORT to a free port`, ['PORT'], { cause: error });
    case 'EACCES':
      return new SetupError(`the API cannot listen on ${where}: not allowed to use port ${port} (ports below 1024 need privileges); set PORT to 1024 or above`, ['PORT'], { cause: error });
    case 'EADDRNOTAVAIL':
      return new SetupError(`the API cannot listen on ${where}: ${host} is not an address of this machine; set HOST to one of its addresses, or 0.0.0.0 for all of them`, ['HOST'], { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SetupError(`the API cannot listen: HOST "${host}" cannot be resolved to an address of this machine; set HOST to an IP address, e.g. 0.0.0.0 or 127.0.0.1`, ['HOST'], { cause: error });
  }
  return error;
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
