import type { Sql } from 'postgres';

/**
 * Connections lent out one at a time, each a postgres.js client of its own (max: 1), instead of
 * postgres.js's pool, which pipelines statements onto busy connections.
 *
 * Why: postgres.js 3.4 keeps a connection's row counter across an error that arrives after some rows (a
 * statement timeout mid-stream), so the next statement on that connection resolves with holes where its
 * first rows belong (porsager/postgres#1119, #1181; still so in 3.4.10). Here no statement is queued
 * behind another on a connection, and a connection whose statement failed is closed and replaced before
 * anything else runs on it. Lending whole connections also keeps a slow statement from holding up the
 * ones pipelined behind it.
 */
export interface ExclusivePool {
  /**
   * Runs `fn` with a connection no one else uses meanwhile, waiting (first come, first served) while all
   * are lent. When `signal` is aborted, nothing starts: waiting ends, and `fn` is not called.
   */
  use<T>(fn: (sql: Sql) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Connections lent out and callers waiting, for metrics and tests. */
  snapshot(): { size: number; open: number; lent: number; waiting: number; replaced: number };
  end(options?: { timeout?: number }): Promise<void>;
}

interface Waiter {
  grant(sql: Sql): void;
  fail(error: unknown): void;
}

/** A pool of at most `size` connections made by `open` (each a postgres.js client with max: 1). */
export function createExclusivePool(open: () => Sql, size: number): ExclusivePool {
  const idle: Sql[] = [];
  const waiting: Waiter[] = [];
  const clients = new Set<Sql>();
  const closing = new Set<Promise<void>>();
  let lent = 0;
  let replaced = 0;
  let ended = false;

  const acquire = (signal: AbortSignal | undefined): Promise<Sql> => {
    if (ended) return Promise.reject(new Error('the database pool is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const ready = idle.pop() ?? (clients.size < size ? opened() : undefined);
    if (ready) return Promise.resolve(ready);
    return new Promise<Sql>((resolve, reject) => {
      const onAbort = () => {
        waiting.splice(waiting.indexOf(waiter), 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: (sql) => (signal?.removeEventListener('abort', onAbort), resolve(sql)),
        fail: (error) => (signal?.removeEventListener('abort', onAbort), reject(error)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(waiter);
    });
  };

  const opened = () => {
    const sql = open();
    clients.add(sql);
    return sql;
  };

  /** Hands a free connection (or the room to open one) to the first waiter. */
  const handOn = (sql: Sql | undefined) => {
    const next = waiting.shift();
    if (next) next.grant(sql ?? opened());
    else if (sql) idle.push(sql);
  };

  const discard = (sql: Sql) => {
    clients.delete(sql);
    replaced++;
    // The failed statement has ended (its promise settled), so the connection is idle: end it politely.
    const ending = sql.end({ timeout: 1 }).catch(() => undefined);
    closing.add(ending);
    void ending.finally(() => closing.delete(ending));
  };

  return {
    async use(fn, signal) {
      const sql = await acquire(signal);
      lent++;
      let failed = true;
      try {
        const result = await fn(sql);
        failed = false;
        return result;
      } finally {
        lent--;
        if (failed) discard(sql);
        if (ended) void sql.end({ timeout: 0 });
        else handOn(failed ? undefined : sql);
      }
    },
    snapshot: () => ({ size, open: clients.size, lent, waiting: waiting.length, replaced }),
    async end(options = {}) {
      ended = true;
      for (const waiter of waiting.splice(0)) waiter.fail(new Error('the database pool is closed'));
      idle.length = 0;
      await Promise.all([...[...clients].map((sql) => sql.end(options)), ...closing]);
    },
  };
}
