import { sql } from 'drizzle-orm';
import { describeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/db.ts';
import { schemaVersion } from '../store/migrate.ts';

export interface Readiness {
  status: 200 | 503;
  body: { status: 'ready'; database?: 'standby'; replayLagSeconds?: number } | { status: 'not ready'; reason: string };
}

/**
 * /readyz: the database answers and its schema is not behind. On a hot standby (a streaming replica) the
 * answer says so, with its replay lag: the seconds since the newest transaction it has replayed committed
 * on the primary while it holds received WAL not yet replayed, else 0 (it cannot know of WAL it has not
 * received). A load balancer may route on it; ready either way. Anyone may ask (no key), so the answer holds
 * a generic reason and never the driver's text (host names, role names, relation names); the details go to
 * the log, once each time they change, not once per probe.
 */
export function createReadinessCheck(database: Database, logger: Logger): () => Promise<Readiness> {
  let lastLogged: string | undefined;
  const notReady = (reason: string, details: Record<string, unknown>): Readiness => {
    const line = `${reason}: ${JSON.stringify(details)}`;
    if (line !== lastLogged) logger.warn(details, `not ready: ${reason}`);
    lastLogged = line;
    return { status: 503, body: { status: 'not ready', reason } };
  };
  return async () => {
    let role;
    try {
      [role] = await database.query<{ standby: boolean; lag: number | string | null }>(sql`
        select pg_is_in_recovery() as standby, case
          when not pg_is_in_recovery() or pg_last_wal_receive_lsn() is not distinct from pg_last_wal_replay_lsn() then 0
          else extract(epoch from now() - pg_last_xact_replay_timestamp()) end as lag`);
    } catch (error) {
      return notReady('database unreachable', { error: describeError(error) });
    }
    try {
      const { applied, expected } = await schemaVersion(database);
      if (applied < expected) return notReady('database schema behind: run `callsync migrate`', { applied, expected });
    } catch (error) {
      return notReady('schema version unreadable (see the server log)', { error: describeError(error) });
    }
    if (lastLogged !== undefined) logger.info('ready again');
    lastLogged = undefined;
    if (!role?.standby) return { status: 200, body: { status: 'ready' } };
    return { status: 200, body: { status: 'ready', database: 'standby', replayLagSeconds: Math.max(0, Math.round(Number(role.lag ?? 0) * 10) / 10) } };
  };
}

/**
 * Says once, at start, when the database is a hot standby and what that changes (README "Reading from a
 * replica"). Not awaited by the caller: an unreachable database must not hold the server's start.
 */
export async function noteStandby(database: Database, logger: Logger): Promise<void> {
  const [row] = await database.query<{ standby: boolean }>(sql`select pg_is_in_recovery() as standby`).catch(() => []);
  if (row?.standby) {
    logger.info('the database is a hot standby (a read-only replica): the change feed follows the primary by the replay lag; /media serves archived audio only (RingCentral downloads need a serve on the primary); API key use is recorded by serves on the primary');
  }
}
