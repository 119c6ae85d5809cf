import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Config, RingCentralCredentials } from './config.ts';
import type { Logger } from './logger.ts';
import { RingCentralClient, RequestMeter, type RetryPolicy } from './ringcentral/client.ts';
import { ringCentralApi, type RingCentralApi } from './ringcentral/endpoints.ts';
import type { RingCentralObserver } from './ringcentral/observer.ts';
import { RateBudget } from './ringcentral/rate-budget.ts';
import type { WatchedBudget } from './ringcentral/request-budget.ts';
import { sharedRateBudget } from './store/rate-ledger.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.ts';
import { upsertAccount } from './store/accounts.ts';
import { sharedAuthSession } from './store/auth-sessions.ts';
import { changesSince, openDatabase, type Database } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import type { MediaServerOptions } from './media/api.ts';
import { mediaArchiveDeps, mediaServerOptions } from './media/connect.ts';
import type { SecretKeyring } from './secrets/box.ts';
import { authSessionKeyring } from './secrets/keys.ts';
import { BACKFILL_STREAM, CALL_LOG_STREAM, backfillCallLog, syncCallLog } from './sync/call-log.ts';
import { EXTENSIONS_STREAM, syncExtensions } from './sync/extensions.ts';
import { VOICEMAIL_STREAM, syncVoicemails } from './sync/voicemails.ts';
import { VOICEMAIL_BACKFILL_STREAM, backfillVoicemails } from './sync/voicemail-backfill.ts';
import { DERIVE_STREAM, deriveStream } from './sync/derive.ts';
import type { MediaArchiveDeps } from './media/archive.ts';
import { MEDIA_ARCHIVE_STREAM, syncMediaArchive } from './sync/media-archive.ts';
import { runStream, type Progress, type RunContext, type RunDeps, type RunResult, type SyncObserver, type SyncSettings } from './sync/runner.ts';

/** The composition root: wires config, database, RingCentral client and sync jobs together. */
export interface App {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  readonly api: RingCentralApi;
  readonly accountId: string;
  readonly settings: SyncSettings;
  /** The account's RingCentral rate budget (its waits show in progress displays). */
  readonly rateBudget: WatchedBudget;
  /** The in-process simulator in demo mode. */
  readonly simulator: Simulator | undefined;
  readonly observers: AppObservers;
  /** /media through this app's RingCentral client, budget and keyring (for startApiServer). */
  readonly media: MediaServerOptions;
  /** The media archive's store and downloads (MEDIA_ARCHIVE_DIR); undefined: no archive stream. */
  readonly mediaArchive?: MediaArchiveDeps | undefined;
  close(): Promise<void>;
}

/** Who hears what the sync and the RingCentral client do (the process's metrics, src/metrics/). */
export interface AppObservers {
  ringcentral?: RingCentralObserver | undefined;
  sync?: SyncObserver | undefined;
}

export interface AppOptions {
  logger: Logger;
  /** Overrides for tests and benchmarks. */
  retry?: RetryPolicy;
  rateLimitsEnabled?: boolean;
  /** Simulator settings for demo mode. */
  demo?: SimulatorOptions;
  /** An already open (and owned by the caller) database, e.g. a test's. */
  database?: Database;
  observers?: AppObservers;
}

/** The database (migrated) and the RingCentral the configuration names; close() releases what was opened here. */
export interface Connections {
  database: Database;
  credentials: RingCentralCredentials;
  /** The stored session's key (a hash: the JWT itself never reaches the database). */
  credentialKey: string;
  /** The keys the stored session is sealed with (secrets/keys.ts). */
  keyring: SecretKeyring;
  simulator: Simulator | undefined;
  close(): Promise<void>;
}

/**
 * Opens the configured database (or uses the caller's), migrates it, and in demo mode starts the built-in
 * simulator; `use` runs with them, and on failure everything opened here is closed again.
 */
export async function withConnections<T>(config: Config, options: { database?: Database | undefined; demo?: SimulatorOptions | undefined; logger: Logger }, use: (c: Connections) => Promise<T>): Promise<T> {
  const owned = !options.database;
  const database = options.database ?? (await openConfiguredDatabase(config));
  let simulator: Simulator | undefined;
  const close = async () => {
    if (owned) await database.close().catch(() => undefined);
    await simulator?.close().catch(() => undefined);
  };
  try {
    const keyring = authSessionKeyring(config, options.logger);
    await migrate(database);
    let credentials = config.ringcentral;
    if (!credentials) {
      simulator = await startSimulator(options.demo ?? demoSimulatorOptions(config));
      credentials = { serverUrl: simulator.url, ...simulator.credentials };
      options.logger.info({ simulator: simulator.url }, 'demo mode: no RC_CLIENT_ID set, syncing from the built-in RingCentral simulator');
    }
    return await use({ database, credentials, credentialKey: credentialKey(credentials), keyring, simulator, close });
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens the database (migrating it), starts the simulator in demo mode, and resolves the account. */
export async function createApp(config: Config, options: AppOptions): Promise<App> {
  return withConnections(config, options, (connections) => connectAccount(config, connections, options));
}

/**
 * The app of one RingCentral account on an open database: its client (sharing the stored session), its
 * rate budget, and the account itself (GET /account/~, recorded in `accounts`). `config` gives the
 * settings (a managed account's own are merged into it by the caller). close() is the connections'.
 */
export async function connectAccount(config: Config, connections: Connections, options: AppOptions & { rateBudget?: WatchedBudget }): Promise<App> {
  const { logger } = options;
  const { database, credentials, credentialKey: key, keyring, simulator, close } = connections;
  const rateBudget = options.rateBudget ?? accountBudget(database, key, options.rateLimitsEnabled ?? true, logger);
  const client = new RingCentralClient({
    credentials,
    budget: rateBudget,
    logger: logger.child({ component: 'ringcentral' }),
    session: sharedAuthSession(database, key, { keyring, logger }),
    ...(options.retry ? { retry: options.retry } : {}),
    observer: options.observers?.ringcentral,
  });
  const api = ringCentralApi(client);
  const account = await api.account(new RequestMeter());
  await upsertAccount(database.db, { id: account.id, serverUrl: credentials.serverUrl, name: account.name, mainNumber: account.mainNumber, raw: account.raw });
  const media = mediaServerOptions(config, { client, budget: rateBudget, credentials }, keyring, logger);
  const mediaArchive = mediaArchiveDeps(config, client);
  return { config, database, logger, api, accountId: account.id, simulator, settings: config.sync, rateBudget, observers: options.observers ?? {}, media, mediaArchive, close };
}

/**
 * The credential's rate budget. On PostgreSQL it lives in the database (rate_ledger), shared with every
 * process using the same credential — workers taking turns on an account, a `backfill` beside `start` —
 * so together they never exceed RingCentral's per user-and-app limits; embedded PGlite has one process.
 */
export function accountBudget(database: Database, credentialKey: string, enabled: boolean, logger: Logger): WatchedBudget {
  return database.kind === 'postgres' ? sharedRateBudget(database, credentialKey, { enabled, logger }) : new RateBudget(undefined, enabled);
}

/** The database the configuration names: DATABASE_URL, or the embedded one under CALLSYNC_DATA_DIR. */
export function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : path.join(config.dataDir, 'pgdata') });
}

/** Demo traffic: a backfill's worth of history and a few new calls a minute. */
function demoSimulatorOptions(config: Config): SimulatorOptions {
  const to = new Date();
  const from = new Date(to.getTime() - config.sync.backfillDays * 86_400_000);
  return { seed: 1, history: { from, to, calls: 200 * config.sync.backfillDays }, live: { callsPerMinute: 2 } };
}

/** Identifies a credential without storing it: the JWT itself never reaches the database. */
export function credentialKey(c: RingCentralCredentials): string {
  return createHash('sha256').update(`${c.serverUrl}\n${c.clientId}\n${c.jwt}`).digest('hex');
}

export interface PassOptions {
  signal?: AbortSignal | undefined;
  /** Run only these streams (benchmarks); default all. */
  streams?: readonly string[];
  onProgress?: (progress: Progress) => void;
  /** The pass's clock (tests move it ahead to stand for a process that was down). */
  now?: () => Date;
  /** Checked inside every page transaction (RunDeps.fence): a worker's lease. */
  fence?: RunDeps['fence'];
}

function deps(app: App, options: PassOptions): RunDeps {
  return {
    database: app.database, accountId: app.accountId, api: app.api, logger: app.logger, settings: app.settings,
    signal: options.signal, observer: app.observers.sync, fence: options.fence, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.now ? { now: options.now } : {}),
  };
}

/**
 * One pass over all streams: extensions first (names and mailboxes), then the call log, then voicemails,
 * and last the derived links, dispositions and callbacks of whatever the pass wrote.
 */
export async function syncAll(app: App, options: PassOptions = {}): Promise<RunResult[]> {
  const since = await changesSince(app.database);
  const started = performance.now();
  const results: RunResult[] = [];
  const archive = app.mediaArchive;
  const streams: Array<[string, (ctx: RunContext) => Promise<void>]> = [
    [EXTENSIONS_STREAM, syncExtensions],
    [CALL_LOG_STREAM, syncCallLog],
    [VOICEMAIL_STREAM, (ctx) => syncVoicemails(ctx, { voicemailWindowMs: app.config.derive.voicemailWindowSeconds * 1000 })],
    ...(archive ? [[MEDIA_ARCHIVE_STREAM, (ctx: RunContext) => syncMediaArchive(ctx, archive)] as [string, (ctx: RunContext) => Promise<void>]] : []),
    [DERIVE_STREAM, (ctx) => deriveStream(ctx, app.config.derive, since)],
  ];
  for (const [stream, job] of streams.filter(([name]) => !options.streams || options.streams.includes(name))) {
    const result = await runStream(deps(app, options), stream, job);
    results.push(result);
    if (result.outcome === 'aborted') break;
  }
  const outcome = results.find((r) => r.outcome === 'aborted')?.outcome ?? results.find((r) => r.outcome === 'error')?.outcome ?? 'success';
  app.observers.sync?.({ type: 'pass', outcome, durationMs: performance.now() - started });
  return results;
}

/**
 * A one-off scan of [from, to) of the call log, resumable, beside the regular schedule. Without `to` it
 * reads up to now, or resumes the stopped backfill of the same `from` up to the end that one pinned.
 */
export async function backfill(app: App, from: Date, to: Date | undefined, options: PassOptions = {}): Promise<RunResult[]> {
  const since = await changesSince(app.database);
  const scan = await runStream(deps(app, options), BACKFILL_STREAM, (ctx) => backfillCallLog(ctx, from, to));
  if (scan.outcome !== 'success') return [scan];
  // Only the part before the coverage instant is read: the regular passes read every mailbox from there on.
  const until = to ?? (options.now ?? (() => new Date()))();
  const window = app.config.derive.voicemailWindowSeconds * 1000;
  const voicemails = await runStream(deps(app, options), VOICEMAIL_BACKFILL_STREAM, (ctx) => backfillVoicemails(ctx, from, until, window));
  if (voicemails.outcome !== 'success') return [scan, voicemails];
  return [scan, voicemails, await runStream(deps(app, options), DERIVE_STREAM, (ctx) => deriveStream(ctx, app.config.derive, since))];
}
