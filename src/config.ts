import { z } from 'zod';
import { validate as validateCron } from 'node-cron';
import { parseSecretKeys, type SecretKey } from './secrets/box.ts';
import { readSecretKeyFile } from './secrets/keys.ts';

/** The production RingCentral API origin; the SDK's default too. */
export const RINGCENTRAL_PRODUCTION = 'https://platform.ringcentral.com';

/** The GraphQL API's protection defaults; startApiServer falls back to these too. */
export const API_DEFAULTS = Object.freeze({
  // The contract's deepest useful path, callChanges.edges.node.callback.call.legs.extension.id, is 8 levels.
  maxDepth: 10,
  // Estimated values (every field, leaves included, once per row): one full page of 500 calls with every
  // field (legs, voicemail, callback, extension) is about 204,000, so this admits any single full page and
  // refuses pages multiplied by aliases. GraphiQL's introspection query is about 144,000, hence
  // API_MAX_COST's floor of 150,000.
  maxCost: 250_000,
  // The largest sensible GraphQL document with variables is a few kB.
  maxBodyBytes: 100_000,
  // A full page of 500 calls with every field and ten legs each is about 8 MB of JSON.
  maxResponseBytes: 20_000_000,
  // Every API statement is an indexed read of a page or less; 10 s means something is wrong.
  statementTimeoutMs: 10_000,
  // The contract promises `first` of at least 500.
  maxPageSize: 500,
  // Under load (api/admission.ts): the API's own connections (its reads are short; the sync has its own
  // pool), requests running at once per key (one fewer than the pool, so another key always finds one),
  // and waiting per key (20 behind 4 is five rounds of answers); past that, 429.
  poolSize: 5,
  maxConcurrentPerKey: 4,
  maxQueuedPerKey: 20,
  // The statement timeout plus REQUEST_TIMEOUT_MARGIN_MS: a request runs a few statements and may wait for a
  // place and a connection first.
  requestTimeoutMs: 15_000,
});

/** API_REQUEST_TIMEOUT_MS's default is API_STATEMENT_TIMEOUT_MS plus this. */
const REQUEST_TIMEOUT_MARGIN_MS = 5_000;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const positiveInt = (name: string, min: number, max: number) =>
  z.coerce
    .number<string | undefined>({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

/** An IPv4 or IPv6 address, or a hostname (RFC 1123 labels): what HOST may be. */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
// A name whose last label is all digits is a mistyped address (256.1.1.1), not a hostname (RFC 3696).
const isHost = (v: string) => IPV4.test(v) || (HOSTNAME.test(v) && !/(^|\.)\d+$/.test(v)) || (v.includes(':') && z.ipv6().safeParse(v).success);

const envFields = z
  .object({
    DATABASE_URL: optionalText.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    CALLSYNC_DATA_DIR: optionalText.default('./.callsync'),
    RC_SERVER_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
    RC_CLIENT_ID: optionalText,
    RC_CLIENT_SECRET: optionalText,
    RC_JWT: optionalText,
    SYNC_BACKFILL_DAYS: optionalText.pipe(positiveInt('SYNC_BACKFILL_DAYS', 1, 366).default(7)),
    SYNC_LOOKBACK_HOURS: optionalText.pipe(positiveInt('SYNC_LOOKBACK_HOURS', 1, 24 * 30).default(24)),
    SYNC_WINDOW_HOURS: optionalText.pipe(positiveInt('SYNC_WINDOW_HOURS', 1, 24 * 31).default(24)),
    SYNC_SCHEDULE: optionalText
      .default('*/5 * * * *')
      .refine((v) => v !== undefined && validateCron(v), 'must be a valid cron expression, e.g. "*/5 * * * *"'),
    SYNC_PAGE_SIZE: optionalText.pipe(positiveInt('SYNC_PAGE_SIZE', 1, 1000).default(1000)),
    VOICEMAIL_SWEEP_HOURS: optionalText.pipe(positiveInt('VOICEMAIL_SWEEP_HOURS', 1, 24 * 7).default(6)),
    LINK_WINDOW_MINUTES: optionalText.pipe(positiveInt('LINK_WINDOW_MINUTES', 1, 24 * 60).default(10)),
    CALLBACK_HORIZON_DAYS: optionalText.pipe(positiveInt('CALLBACK_HORIZON_DAYS', 1, 90).default(7)),
    SYNC_FAST_PATH: optionalText.pipe(z.enum(['extract-sync', 'off'], { error: 'must be "extract-sync" or "off"' }).default('extract-sync')),
    PORT: optionalText.pipe(positiveInt('PORT', 0, 65535).default(4000)),
    // Loopback unless told otherwise: a CRM on another machine (or a proxy in front) needs HOST=0.0.0.0.
    HOST: optionalText
      .default('127.0.0.1')
      .refine((v) => v !== undefined && isHost(v), 'must be an IP address (e.g. 0.0.0.0 for every interface, 127.0.0.1, ::) or a hostname of this machine'),
    CALLSYNC_DEMO: optionalText.pipe(z.enum(['0', '1'], { error: 'must be 1 (run the demo) or 0' }).optional()),
    API_MAX_DEPTH: optionalText.pipe(positiveInt('API_MAX_DEPTH', 8, 100).default(API_DEFAULTS.maxDepth)),
    API_MAX_COST: optionalText.pipe(positiveInt('API_MAX_COST', 150_000, 100_000_000).default(API_DEFAULTS.maxCost)),
    API_MAX_BODY_BYTES: optionalText.pipe(positiveInt('API_MAX_BODY_BYTES', 1_000, 10_000_000).default(API_DEFAULTS.maxBodyBytes)),
    API_MAX_RESPONSE_BYTES: optionalText.pipe(positiveInt('API_MAX_RESPONSE_BYTES', 1_000_000, 1_000_000_000).default(API_DEFAULTS.maxResponseBytes)),
    API_STATEMENT_TIMEOUT_MS: optionalText.pipe(positiveInt('API_STATEMENT_TIMEOUT_MS', 100, 3_600_000).default(API_DEFAULTS.statementTimeoutMs)),
    API_MAX_PAGE_SIZE: optionalText.pipe(positiveInt('API_MAX_PAGE_SIZE', 500, 5_000).default(API_DEFAULTS.maxPageSize)),
    // Seal stored RingCentral sessions (secrets/keys.ts); read here so a bad key stops the start.
    CALLSYNC_SECRET_KEY: optionalText.transform((v, ctx) => (v === undefined ? undefined : keysOr(parseSecretKeys(v), ctx))),
    CALLSYNC_SECRET_KEY_FILE: optionalText.transform((v, ctx) => (v === undefined ? undefined : keysOr(readSecretKeyFile(v), ctx))),
    API_REQUEST_TIMEOUT_MS: optionalText.pipe(positiveInt('API_REQUEST_TIMEOUT_MS', 100, 3_600_000).optional()),
    API_POOL_SIZE: optionalText.pipe(positiveInt('API_POOL_SIZE', 2, 100).default(API_DEFAULTS.poolSize)),
    API_MAX_CONCURRENT_PER_KEY: optionalText.pipe(positiveInt('API_MAX_CONCURRENT_PER_KEY', 1, 99).optional()),
    API_MAX_QUEUED_PER_KEY: optionalText.pipe(positiveInt('API_MAX_QUEUED_PER_KEY', 0, 10_000).default(API_DEFAULTS.maxQueuedPerKey)),
    // A password: long enough that guessing it is hopeless (e.g. `openssl rand -hex 32`).
    METRICS_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters, e.g. the output of `openssl rand -hex 32`').optional()),
    // Media proxy (src/media/): where CRMs reach callsync, and how long a signed link opens.
    PUBLIC_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://callsync.example.com' }).optional()),
    MEDIA_LINK_TTL_HOURS: optionalText.pipe(positiveInt('MEDIA_LINK_TTL_HOURS', 1, 168).default(24)),
    MEDIA_ARCHIVE_DIR: optionalText,
    LOG_LEVEL: optionalText.pipe(
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      }).default('info'),
    ),
  })

/**
 * Which RingCentral account a command syncs: `env`, the one RC_* configures (or the demo's); `none`, no
 * account of the environment (serve, worker, account …: their accounts, if any, are in the database), so
 * DATABASE_URL without RC_* is not the mistake it is for `start`.
 */
export type AccountSource = 'env' | 'none';

const envSchema = (source: AccountSource) => envFields
  .superRefine((env, ctx) => {
    if (env.CALLSYNC_SECRET_KEY && env.CALLSYNC_SECRET_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['CALLSYNC_SECRET_KEY_FILE'], message: 'and CALLSYNC_SECRET_KEY are both set: keep one' });
    }
    // Compared only once each is valid on its own (zod runs this even when one is not).
    const valid = (value: number | undefined, min: number) => value !== undefined && Number.isInteger(value) && value >= min;
    if (valid(env.API_MAX_CONCURRENT_PER_KEY, 1) && valid(env.API_POOL_SIZE, 2) && env.API_MAX_CONCURRENT_PER_KEY! >= env.API_POOL_SIZE) {
      ctx.addIssue({ code: 'custom', path: ['API_MAX_CONCURRENT_PER_KEY'], message: `must be below API_POOL_SIZE (${env.API_POOL_SIZE}), so that one key can never hold every connection` });
    }
    if (valid(env.API_REQUEST_TIMEOUT_MS, 100) && valid(env.API_STATEMENT_TIMEOUT_MS, 100) && env.API_REQUEST_TIMEOUT_MS! < env.API_STATEMENT_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['API_REQUEST_TIMEOUT_MS'], message: `must be at least API_STATEMENT_TIMEOUT_MS (${env.API_STATEMENT_TIMEOUT_MS}): a request runs statements` });
    }
    if (env.RC_CLIENT_ID) {
      for (const key of ['RC_CLIENT_SECRET', 'RC_JWT'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when RC_CLIENT_ID is set' });
      }
      if (env.CALLSYNC_DEMO === '1') {
        ctx.addIssue({ code: 'custom', path: ['CALLSYNC_DEMO'], message: 'is 1 (demo mode, simulated calls) but RC_CLIENT_ID is set: unset one of them' });
      }
    } else if (env.RC_JWT || env.RC_CLIENT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['RC_CLIENT_ID'], message: 'is required when RC_JWT or RC_CLIENT_SECRET is set' });
    } else if (env.RC_SERVER_URL && env.CALLSYNC_DEMO !== '1') {
      ctx.addIssue({ code: 'custom', path: ['RC_CLIENT_ID'], message: 'is required when RC_SERVER_URL is set (with RC_CLIENT_SECRET and RC_JWT)' });
    } else if (source === 'env' && env.DATABASE_URL && env.CALLSYNC_DEMO !== '1') {
      // Demo mode writes simulated calls and a demo API key: only into a database that is asked for it.
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'is set but RC_CLIENT_ID, RC_CLIENT_SECRET and RC_JWT are not: set them to sync your RingCentral account, '
          + 'or set CALLSYNC_DEMO=1 to run the demo (the built-in simulator, simulated calls and a demo API key) against this database',
      });
    }
  });

/** Values never echoed back in error messages: they hold credentials. */
const SECRET_VARIABLES = new Set(['RC_CLIENT_SECRET', 'RC_JWT', 'DATABASE_URL', 'CALLSYNC_SECRET_KEY', 'METRICS_TOKEN']);

function keysOr(parsed: { keys: SecretKey[] } | { problem: string }, ctx: z.RefinementCtx): SecretKey[] {
  if ('keys' in parsed) return parsed.keys;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return [];
}

export interface RingCentralCredentials {
  readonly serverUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly jwt: string;
}

export interface Config {
  /** postgres:// URL, or undefined for embedded PGlite under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** undefined = demo mode: the built-in simulator is started in-process. */
  readonly ringcentral: RingCentralCredentials | undefined;
  /**
   * Demo mode (ringcentral undefined): with nothing real configured, or with CALLSYNC_DEMO=1 against the
   * DATABASE_URL database. Never silently against a real database.
   */
  readonly demo: boolean;
  readonly sync: {
    readonly backfillDays: number;
    readonly lookbackHours: number;
    readonly windowHours: number;
    readonly schedule: string;
    readonly fastPath: 'extract-sync' | 'off';
    /** Records per call-log page; RingCentral's maximum (1000) unless testing paging. */
    readonly perPage: number;
    /** Every mailbox is read at least this often, even when the call log gives no reason to. */
    readonly voicemailSweepHours: number;
  };
  readonly derive: {
    /** A voicemail may be created up to this long after its call ended (linking and `final`). */
    readonly voicemailWindowSeconds: number;
    /** How long after an unanswered call an outbound call to the same number counts as its callback. */
    readonly callbackHorizonSeconds: number;
  };
  readonly port: number;
  /** Address the HTTP API listens on: 127.0.0.1 by default; 0.0.0.0 (every interface) behind a proxy. */
  readonly host: string;
  /** The GraphQL API's limits (see API_DEFAULTS for why each default). */
  readonly api: {
    /** Deepest field nesting a query may have. */
    readonly maxDepth: number;
    /** Most rows a query may be estimated to return (page sizes times nested lists). */
    readonly maxCost: number;
    /** Largest request body; larger ones get 413. */
    readonly maxBodyBytes: number;
    /** Largest answer (bytes of JSON); a larger one is refused with 400 RESPONSE_TOO_LARGE. */
    readonly maxResponseBytes: number;
    /** Postgres cancels any API statement running longer (PGlite cannot). */
    readonly statementTimeoutMs: number;
    /** Largest `first` a connection accepts. */
    readonly maxPageSize: number;
    /** A request still unanswered after this long gets 503 REQUEST_TIMEOUT and starts no further statement. */
    readonly requestTimeoutMs: number;
    /** Connections of the API's own pool (Postgres); also how many requests run at once, all keys together. */
    readonly poolSize: number;
    /** Requests of one API key running at once (below poolSize). */
    readonly maxConcurrentPerKey: number;
    /** Requests of one API key waiting to run; past that, 429 with Retry-After. */
    readonly maxQueuedPerKey: number;
  };
  /** Keys that seal stored RingCentral sessions, the first sealing; undefined: see secrets/keys.ts. */
  readonly media: {
    /** The origin (and path prefix) CRMs reach callsync at; undefined: the API server's own URL. */
    readonly publicBaseUrl: string | undefined;
    /** How long a signed media link (GraphQL audioUrl) opens: at most a week, like a presigned S3 URL. */
    readonly linkTtlHours: number;
    /** Where the sync keeps copies of voicemail and recording audio (and /media reads them); undefined: no archive. */
    readonly archiveDir: string | undefined;
  };
  readonly secretKeys: { readonly variable: 'CALLSYNC_SECRET_KEY' | 'CALLSYNC_SECRET_KEY_FILE'; readonly keys: readonly SecretKey[] } | undefined;
  /** A bearer token that may read /metrics (and nothing else), for a scraper that should hold no API key. */
  readonly metricsToken: string | undefined;
  readonly logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Parses and validates the environment once; throws ConfigError listing every bad variable, one line each. */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: { accounts?: AccountSource } = {}): Config {
  const source = options.accounts ?? 'env';
  const parsed = envSchema(source).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const message = issue.message.startsWith(name) ? issue.message.slice(name.length).trim() : issue.message;
      const shown = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(env[name] ?? '')})`;
      return `${name}: ${message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir: e.CALLSYNC_DATA_DIR ?? './.callsync',
    ringcentral: e.RC_CLIENT_ID
      ? {
          serverUrl: (e.RC_SERVER_URL ?? RINGCENTRAL_PRODUCTION).replace(/\/+$/, ''),
          clientId: e.RC_CLIENT_ID,
          clientSecret: e.RC_CLIENT_SECRET!,
          jwt: e.RC_JWT!,
        }
      : undefined,
    // Without an account of the environment, a database of one's own is real, not the demo's.
    demo: !e.RC_CLIENT_ID && (source === 'env' || !e.DATABASE_URL || e.CALLSYNC_DEMO === '1'),
    sync: {
      backfillDays: e.SYNC_BACKFILL_DAYS,
      lookbackHours: e.SYNC_LOOKBACK_HOURS,
      windowHours: e.SYNC_WINDOW_HOURS,
      schedule: e.SYNC_SCHEDULE ?? '*/5 * * * *',
      fastPath: e.SYNC_FAST_PATH,
      perPage: e.SYNC_PAGE_SIZE,
      voicemailSweepHours: e.VOICEMAIL_SWEEP_HOURS,
    },
    derive: {
      voicemailWindowSeconds: e.LINK_WINDOW_MINUTES * 60,
      callbackHorizonSeconds: e.CALLBACK_HORIZON_DAYS * 86_400,
    },
    port: e.PORT,
    host: e.HOST ?? '127.0.0.1',
    api: {
      maxDepth: e.API_MAX_DEPTH,
      maxCost: e.API_MAX_COST,
      maxBodyBytes: e.API_MAX_BODY_BYTES,
      maxResponseBytes: e.API_MAX_RESPONSE_BYTES,
      statementTimeoutMs: e.API_STATEMENT_TIMEOUT_MS,
      maxPageSize: e.API_MAX_PAGE_SIZE,
      requestTimeoutMs: e.API_REQUEST_TIMEOUT_MS ?? e.API_STATEMENT_TIMEOUT_MS + REQUEST_TIMEOUT_MARGIN_MS,
      poolSize: e.API_POOL_SIZE,
      maxConcurrentPerKey: e.API_MAX_CONCURRENT_PER_KEY ?? e.API_POOL_SIZE - 1,
      maxQueuedPerKey: e.API_MAX_QUEUED_PER_KEY,
    },
    media: { publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''), linkTtlHours: e.MEDIA_LINK_TTL_HOURS, archiveDir: e.MEDIA_ARCHIVE_DIR },
    secretKeys: e.CALLSYNC_SECRET_KEY ? { variable: 'CALLSYNC_SECRET_KEY' as const, keys: e.CALLSYNC_SECRET_KEY }
      : e.CALLSYNC_SECRET_KEY_FILE ? { variable: 'CALLSYNC_SECRET_KEY_FILE' as const, keys: e.CALLSYNC_SECRET_KEY_FILE } : undefined,
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
  });
}
