import { sql } from 'drizzle-orm';
import { describeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/db.ts';
import { schemaVersion } from '../store/migrate.ts';

export interface Readiness {
  status: 200 | 503;
  body: { status: 'ready' } | { status: 'not ready'; reason: string };
}

/**
 * /readyz: the database answers and its schema is not behind. Anyone may ask (no key), so the answer holds
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
    try {
      await database.query(sql`select 1`);
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
    return { status: 200, body: { status: 'ready' } };
  };
}
