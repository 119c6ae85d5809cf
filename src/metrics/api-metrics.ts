import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { boundedLabel, PREFIX } from './registry.ts';

export const METRIC_NAMES = {
  requests: `${PREFIX}api_requests_total`,
  duration: `${PREFIX}api_request_duration_seconds`,
  errors: `${PREFIX}api_errors_total`,
  running: `${PREFIX}api_requests_running`,
  queued: `${PREFIX}api_requests_queued`,
  poolSize: `${PREFIX}api_pool_size`,
  poolOpen: `${PREFIX}api_pool_connections_open`,
  poolInUse: `${PREFIX}api_pool_connections_in_use`,
  poolWaiting: `${PREFIX}api_pool_waiting`,
  poolReplaced: `${PREFIX}api_pool_connections_replaced_total`,
} as const;

/** The operation label of a request that ran no operation: refused before (401, 413, 429, invalid), or not a query. */
export const UNKNOWN_OPERATION = '(unknown)';
/** The operation label of an operation without a name. */
export const ANONYMOUS_OPERATION = '(anonymous)';
/** The label of any name past the first MAX_OPERATION_NAMES (or of any code past MAX_ERROR_CODES). */
export const OTHER = '(other)';
/** Distinct operation names counted under their own name; clients choose them, so they are capped. */
const MAX_OPERATION_NAMES = 100;
const MAX_ERROR_CODES = 50;

// GraphQL API answers: most are page reads of milliseconds; 15 s is the default request timeout.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

/** One answered request to /graphql. */
export interface ApiRequestFacts {
  /** The operation's name as the document gave it; null when anonymous; undefined when none ran. */
  operation: string | null | undefined;
  status: number;
  seconds: number;
  /** The extensions.code of every error in the answer (each counted once per answer). */
  errorCodes: Iterable<string>;
}

/** What the API's pool and admission look like now (src/store/exclusive-pool.ts, src/api/admission.ts). */
export interface ApiLoadSources {
  admission(): { running: number; queued: number };
  /** Absent where the API has no pool of its own (PGlite, or the shared handle). */
  pool?: (() => { size: number; open: number; lent: number; waiting: number; replaced: number }) | undefined;
}

export interface ApiMetrics {
  request(facts: ApiRequestFacts): void;
  watch(sources: ApiLoadSources): void;
}

/** Requests, latency and errors of the GraphQL API by operation, and its pool and admission at scrape time. */
export function apiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry];
  const operationLabel = boundedLabel(MAX_OPERATION_NAMES, /^[_A-Za-z][_0-9A-Za-z]{0,99}$/, OTHER);
  const codeLabel = boundedLabel(MAX_ERROR_CODES, /^[A-Z][A-Z0-9_]{0,63}$/, OTHER);
  const requests = new Counter({ name: METRIC_NAMES.requests, help: 'GraphQL API requests answered, by operation name and HTTP status', labelNames: ['operation', 'status'], registers });
  const duration = new Histogram({ name: METRIC_NAMES.duration, help: 'Time from a GraphQL API request arriving to its answer, by operation name', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers });
  const errors = new Counter({ name: METRIC_NAMES.errors, help: 'GraphQL API answers carrying an error, by its extensions.code (once per answer and code)', labelNames: ['code'], registers });

  let sources: ApiLoadSources | undefined;
  const gauge = (name: string, help: string, value: (s: ApiLoadSources) => number | undefined) =>
    new Gauge({
      name, help, registers,
      collect() {
        const v = sources && value(sources);
        if (v === undefined) this.reset();
        else this.set(v);
      },
    });
  gauge(METRIC_NAMES.running, 'GraphQL requests admitted and running (all keys)', (s) => s.admission().running);
  gauge(METRIC_NAMES.queued, 'GraphQL requests waiting for admission (all keys); past API_MAX_QUEUED_PER_KEY a key gets 429', (s) => s.admission().queued);
  // Registered only once there is a pool to report (PostgreSQL): a gauge without labels always shows a
  // value, and a pool of size 0 would be a lie where the API shares PGlite's one session.
  let poolRegistered = false;
  const registerPool = () => {
    poolRegistered = true;
    gauge(METRIC_NAMES.poolSize, 'Connections the API\'s own pool may open (API_POOL_SIZE; PostgreSQL only)', (s) => s.pool?.().size);
    gauge(METRIC_NAMES.poolOpen, 'Connections the API\'s pool holds open', (s) => s.pool?.().open);
    gauge(METRIC_NAMES.poolInUse, 'Connections of the API\'s pool lent to a statement now', (s) => s.pool?.().lent);
    gauge(METRIC_NAMES.poolWaiting, 'Statements waiting for a connection of the API\'s pool', (s) => s.pool?.().waiting);
    new Counter({
      name: METRIC_NAMES.poolReplaced,
      help: 'Connections of the API\'s pool closed and replaced after a failed statement (a statement timeout, mostly)',
      registers,
      collect() {
        this.reset();
        this.inc(sources?.pool?.().replaced ?? 0);
      },
    });
  };

  return {
    request(facts) {
      const operation = facts.operation === undefined ? UNKNOWN_OPERATION : facts.operation === null ? ANONYMOUS_OPERATION : operationLabel(facts.operation);
      requests.inc({ operation, status: String(facts.status) });
      duration.observe({ operation }, facts.seconds);
      for (const code of new Set(facts.errorCodes)) errors.inc({ code: codeLabel(code) });
    },
    watch(next) {
      sources = next;
      if (next.pool && !poolRegistered) registerPool();
    },
  };
}
