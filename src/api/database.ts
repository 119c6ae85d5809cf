import type { Logger } from '../logger.ts';
import { openDatabase, type Database } from '../store/db.ts';

/** The API's connections per process: queries are short reads and the sync keeps its own pool. */
const API_POOL_SIZE = 5;

/**
 * The database handle the API reads through. On Postgres it is a pool of its own whose statements are
 * cancelled after `statementTimeoutMs`, so one runaway query can neither run for minutes nor take the sync's
 * connections, and the sync's long writes keep running without a timeout. Its connections are lent to one
 * statement at a time and replaced after a failed one (store/exclusive-pool.ts): a statement cancelled
 * mid-rows would otherwise corrupt the next answer on its connection. PGlite is one embedded session
 * shared with the sync, and its wasm build cannot cancel a statement, so there the API shares it untimed.
 */
export async function openApiDatabase(shared: Database, url: string | undefined, statementTimeoutMs: number, logger: Logger): Promise<{ database: Database; close(): Promise<void> }> {
  if (!url) {
    if (shared.kind === 'pglite') logger.info('API statement timeout not applied: embedded PGlite cannot cancel a running statement');
    return { database: shared, close: async () => {} };
  }
  const database = await openDatabase({ url, maxConnections: API_POOL_SIZE, statementTimeoutMs, exclusiveConnections: true });
  return { database, close: () => database.close() };
}
