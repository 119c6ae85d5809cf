import { RateBudget } from '../../src/ringcentral/rate-budget.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, silentLogger } from '../../src/logger.ts';
import { createApp, credentialKey, syncAll, type App } from '../../src/main.ts';
import { mediaForServe } from '../../src/media/connect.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { requireServableSchema } from '../../src/store/schema-check.ts';
import { FAST_RETRY, history, simulatorEnv } from './harness.ts';
import { startReplicaCluster, type ReplicaCluster } from './replica-cluster.ts';

/*
 * callsync on a primary with a streaming replica: the sync writes the primary (migrated, one simulated
 * account synced), one `serve` reads the primary and one the standby, as `callsync serve` builds them (its
 * own statement-timed pool, media from the RingCentral credentials, the same CALLSYNC_SECRET_KEY).
 */

export interface ReplicaDeployment {
  cluster: ReplicaCluster;
  sim: Simulator;
  app: App;
  primary: Database;
  standby: Database;
  key: string;
  primaryServe: ApiServer;
  standbyServe: ApiServer;
  /** What the standby's serve logged (JSON lines). */
  standbyLog: Array<Record<string, unknown>>;
  /** MEDIA_ARCHIVE_DIR of both serves, empty at first (nothing archives into it but the test). */
  archiveDir: string;
  close(): Promise<void>;
}

export async function startReplicaDeployment(calls = 150): Promise<ReplicaDeployment> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const cluster = await startReplicaCluster();
    closers.push(() => cluster.stop());
    const sim = await startSimulator({ seed: 31, rateLimits: false, history: history(calls, 2), recordingBytes: 8_000 });
    closers.push(() => sim.close());
    const archiveDir = mkdtempSync(path.join(tmpdir(), 'callsync-replica-archive-'));
    closers.push(async () => rmSync(archiveDir, { recursive: true, force: true }));
    const env = { ...simulatorEnv(sim), CALLSYNC_SECRET_KEY: randomBytes(32).toString('base64'), SYNC_BACKFILL_DAYS: '3', LOG_LEVEL: 'silent' };
    const primary = await openDatabase({ url: cluster.primaryUrl });
    closers.push(() => primary.close());
    await migrate(primary);
    const app = await createApp(loadConfig({ ...env, DATABASE_URL: cluster.primaryUrl }), { logger: silentLogger, retry: FAST_RETRY, database: primary });
    closers.push(() => app.close());
    for (const r of await syncAll(app)) if (r.error) throw new Error(`sync of ${r.stream} failed: ${String(r.error)}`);
    const key = await createApiKey(primary.db, 'crm');
    await cluster.caughtUp();

    const standby = await openDatabase({ url: cluster.standbyUrl });
    closers.push(() => standby.close());
    const standbyLog: Array<Record<string, unknown>> = [];
    const standbyLogger = createLogger('info', { write: (line: string) => void standbyLog.push(JSON.parse(line) as Record<string, unknown>) });
    // What `callsync serve` does before it listens: the standby's schema is the primary's.
    await requireServableSchema(standby, standbyLogger);

    const serve = async (database: Database, url: string, logger = silentLogger, extra: Record<string, string> = {}) => {
      const config = loadConfig({ ...env, DATABASE_URL: url, MEDIA_ARCHIVE_DIR: archiveDir, ...extra });
      const media = await mediaForServe(config, database, credentialKey, () => new RateBudget(), logger);
      const server = await startApiServer({ database, databaseUrl: url, port: 0, logger, keyring: media.keyring, media });
      closers.push(() => server.close());
      return server;
    };
    const primaryServe = await serve(primary, cluster.primaryUrl);
    // Audio links the replica's serve hands out point at the primary's (PUBLIC_BASE_URL), as the README says.
    const standbyServe = await serve(standby, cluster.standbyUrl, standbyLogger, { PUBLIC_BASE_URL: primaryServe.url });
    return { cluster, sim, app, primary, standby, key, primaryServe, standbyServe, standbyLog, archiveDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}
