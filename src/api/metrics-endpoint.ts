import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { createMetrics, type Metrics } from '../metrics/metrics.ts';
import type { Database } from '../store/db.ts';
import { errorBody } from './graphql-plugins.ts';
import { admitKey, isRefusal, type KeyLookup } from './key-access.ts';

/** What the server hands over: the API's own database handle, its admission, its key lookup. */
export interface MetricsEndpointOptions {
  /** The process's metrics (`start` shares them with the sync); a fresh set when absent (`serve`, tests). */
  metrics?: Metrics | undefined;
  /**
   * METRICS_TOKEN: a bearer token that reads /metrics and nothing else. API keys read it too, but only a key
   * of every account the database holds: the figures are the operator's (stream gauges per account, RingCentral
   * and API counts of the whole process), not one tenant's.
   */
  token?: string | undefined;
  database: Database;
  admission(): { running: number; queued: number };
  lookUpKey: KeyLookup;
  logger: Logger;
}

export interface MetricsEndpoint {
  /** Notes each GraphQL operation's name and its answer's error codes (last in yoga's plugin list). */
  plugin: Plugin;
  /** Runs the server's handler for one request and, for /graphql, counts it when the handler is done. */
  track(req: IncomingMessage, res: ServerResponse, handle: () => Promise<unknown>): Promise<unknown>;
  /** GET /metrics: the registry in Prometheus's text format, to an API key or the scrape token. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<unknown>;
}

interface Observation {
  operation: string | null | undefined;
  codes: Set<string>;
}

/** The request /graphql being handled, for the plugin to write what it learns into. */
const current = new AsyncLocalStorage<Observation>();

/** Answers written outside GraphQL execution are small JSON bodies: their codes are read from them. */
const MAX_SNIFFED_BODY = 10_000;

/** The /metrics route and the counting of /graphql requests, wired into src/api/server.ts with a few lines. */
export function metricsEndpoint(options: MetricsEndpointOptions): MetricsEndpoint {
  const metrics = options.metrics ?? createMetrics();
  const { registry } = metrics;
  metrics.streams.watch(options.database, options.logger);
  metrics.api.watch({ admission: options.admission, pool: options.database.poolSnapshot });
  const token = options.token === undefined ? undefined : digest(options.token);

  const plugin: Plugin = {
    onExecute({ args }) {
      const observation = current.getStore();
      if (observation) observation.operation = getOperationAST(args.document, args.operationName)?.name?.value ?? null;
    },
    onResultProcess({ result }) {
      const observation = current.getStore();
      if (!observation) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        for (const error of ('errors' in one ? one.errors : undefined) ?? []) observation.codes.add(codeOf(error.extensions?.['code']));
      }
    },
  };

  return {
    plugin,
    async track(req, res, handle) {
      if ((req.url ?? '/').split('?')[0] !== '/graphql') return handle();
      const observation: Observation = { operation: undefined, codes: new Set() };
      const started = performance.now();
      sniffErrorCodes(res, observation);
      try {
        return await current.run(observation, handle);
      } finally {
        metrics.api.request({ operation: observation.operation, status: res.statusCode, seconds: (performance.now() - started) / 1000, errorCodes: observation.codes });
      }
    },
    async serve(req, res) {
      try {
        return await scrape(req, res);
      } catch (error) {
        // The key lookup failing (database down): the scrape fails visibly, the process keeps serving.
        options.logger.error({ err: error }, 'metrics scrape failed');
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' }).end(errorBody('metrics unavailable: the API key could not be checked', 'SERVICE_UNAVAILABLE'));
        else res.destroy();
      }
    },
  };

  async function scrape(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end(errorBody('/metrics answers GET only', 'METHOD_NOT_ALLOWED'));
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const isToken = bearer !== undefined && token !== undefined && timingSafeEqual(digest(bearer), token);
    if (!isToken) {
      const key = bearer === undefined ? undefined : await admitKey(req.headers.authorization, options.lookUpKey);
      if (key === undefined || (isRefusal(key) && key.status === 401)) {
        const message = bearer === undefined
          ? 'missing credentials: send "Authorization: Bearer <key>" with an API key or the METRICS_TOKEN'
          : 'unknown or revoked API key, and not the METRICS_TOKEN';
        return res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="callsync"' }).end(errorBody(message, 'UNAUTHENTICATED'));
      }
      if (isRefusal(key)) return res.writeHead(key.status, { 'content-type': 'application/json' }).end(errorBody(key.message, key.code));
      // 'all': the key reads every account the database holds (store/api-keys.ts).
      if (key.scope !== 'all') {
        const message = `API key "${key.name}" reads ${key.scope.length} of the database's accounts, and /metrics holds figures of every account and of the whole process: scrape it with METRICS_TOKEN`;
        return res.writeHead(403, { 'content-type': 'application/json' }).end(errorBody(message, 'NOT_ALL_ACCOUNTS'));
      }
    }
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    return res.end(req.method === 'HEAD' ? undefined : text);
  }
}

/** Equal-length digests, so the comparison takes the same time whatever the token's length. */
const digest = (text: string) => createHash('sha256').update(text).digest();

const codeOf = (code: unknown) => (typeof code === 'string' ? code : 'NO_CODE');

/**
 * The codes of an error answer the server writes itself (401, 413, 429, 503...): read from its small JSON
 * body as it is sent. Answers from GraphQL execution carry theirs to the plugin instead.
 */
function sniffErrorCodes(res: ServerResponse, observation: Observation): void {
  const end = res.end;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    const [chunk] = args;
    if (observation.codes.size === 0 && res.statusCode >= 400 && typeof chunk === 'string' && chunk.length <= MAX_SNIFFED_BODY) {
      try {
        for (const error of (JSON.parse(chunk) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors ?? []) observation.codes.add(codeOf(error.extensions?.code));
      } catch {
        // Not JSON: the status alone is counted.
      }
    }
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.end;
}
