import type { Logger } from '../logger.ts';
import { openDatabase, type Database } from '../store/db.ts';

export interface ApiDatabaseOptions {
  /** Connections of the API's own pool (Postgres). */
  poolSize: number;
  statementTimeoutMs: number;
  /** The signal of the request a statement is started for: once aborted, none of its statements starts. */
  signal: () => AbortSignal | undefined;
}

/**
 * The database handle the API reads through. On Postgres it is a pool of its own whose statements are
 * cancelled after `statementTimeoutMs`, so one runaway query can neither run for minutes nor take the sync's
 * connections, and the sync's long writes keep running without a timeout. Its connections are lent to one
 * statement at a time and replaced after a failed one (store/exclusive-pool.ts): a statement cancelled
 * mid-rows would otherwise corrupt the next answer on its connection.
 * PGlite is one embedded session shared with the sync, and its wasm build cannot cancel a statement, so
 * there the API shares it untimed: a stopped request starts no further statement, but one already running
 * runs to its end.
 */
export async function openApiDatabase(shared: Database, url: string | undefined, options: ApiDatabaseOptions, logger: Logger): Promise<{ database: Database; close(): Promise<void> }> {
  if (!url) {
    if (shared.kind === 'pglite') logger.info('API statement timeout not applied: embedded PGlite cannot cancel a running statement');
    const query: Database['query'] = (statement) => {
      const signal = options.signal();
      return signal?.aborted ? Promise.reject(signal.reason) : shared.query(statement);
    };
    return { database: { ...shared, query }, close: async () => {} };
  }
  const database = await openDatabase({ url, maxConnections: options.poolSize, statementTimeoutMs: options.statementTimeoutMs, exclusiveConnections: true, signal: options.signal });
  return { database, close: () => database.close() };
}
