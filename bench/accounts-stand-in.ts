/**
 * bench:accounts' stand-in for `callsync worker` (--stand-in), until the real one lands: the same command
 * line (--concurrency N --id NAME) and environment (DATABASE_URL, CALLSYNC_SECRET_KEY), and each account's
 * pass exactly as a worker makes it (openManagedAccount, connectAccount, syncAll). Not the worker's design:
 * claims are a bare lease row per account (bench_stand_in_claims, FOR UPDATE SKIP LOCKED), due at every
 * minute boundary as the schedule `* * * * *` would make them; no retry, backoff or shared rate budget.
 * Every claim is logged in bench_stand_in_passes, which the bench reads as the worker's pass log.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openManagedAccount } from '../src/store/managed-accounts.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { connectAccount, syncAll, type Connections } from '../src/main.ts';
import { RateBudget } from '../src/ringcentral/rate-budget.ts';
import { accountsKeyring } from '../src/secrets/keys.ts';
import { openDatabase } from '../src/store/db.ts';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '4' }, id: { type: 'string', default: `stand-in-${process.pid}` } } });
const concurrency = Number(values.concurrency);
const id = values.id!;
const config = loadConfig(process.env, { accounts: 'none' });
const logger = createLogger(config.logLevel).child({ worker: id });
const keyring = accountsKeyring(config, logger);
// Each stream under way holds a connection for its advisory lock (store/db.ts withAdvisoryLock), so N passes
// at once need N connections for the locks and as many again for their statements, plus one for claims.
const database = await openDatabase({ url: config.databaseUrl, maxConnections: 2 * concurrency + 1 });
// What this process learned of each account's rate budget outlives the pass (a worker keeps it too).
const budgets = new Map<string, RateBudget>();
const stopping = new AbortController();
const abortPasses = new AbortController();

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    stopping.abort();
    // Passes under way get 20 s to finish; then they are aborted (the bench's own grace is longer).
    setTimeout(() => abortPasses.abort(new Error('stopping')), 20_000).unref();
  });
}

/** Takes the most overdue account nobody holds, and logs the claim; undefined when none is due. */
async function claim(): Promise<{ account: string; pass: number } | undefined> {
  const [row] = await database.query<{ account: string; pass: string }>(sql`
    with due as (
      select account from bench_stand_in_claims
      where due_at <= now() and (lease_until is null or lease_until < now())
      order by due_at, account limit 1 for update skip locked
    ), taken as (
      update bench_stand_in_claims c set holder = ${id}, lease_until = now() + interval '10 minutes'
      from due where c.account = due.account returning c.account
    )
    insert into bench_stand_in_passes (account, worker_id, claimed_at) select account, ${id}, clock_timestamp() from taken
    returning account, id as pass`);
  return row ? { account: row.account, pass: Number(row.pass) } : undefined;
}

async function runPass(name: string): Promise<string> {
  const { account, credentials } = await openManagedAccount(database.db, keyring, name);
  const accountConfig: Config = {
    ...config,
    sync: { ...config.sync, schedule: account.schedule ?? config.sync.schedule, backfillDays: account.backfillDays ?? config.sync.backfillDays, voicemailSweepHours: account.sweepHours ?? config.sync.voicemailSweepHours },
  };
  const connections: Connections = { database, credentials, credentialKey: account.credentialKey, keyring, simulator: undefined, close: async () => {} };
  let rateBudget = budgets.get(name);
  if (!rateBudget) budgets.set(name, (rateBudget = new RateBudget()));
  const app = await connectAccount(accountConfig, connections, { logger: logger.child({ account: name }), rateBudget });
  const results = await syncAll(app, { signal: abortPasses.signal });
  return results.find((r) => r.outcome === 'aborted')?.outcome ?? results.find((r) => r.outcome === 'error')?.outcome ?? 'success';
}

async function loop(): Promise<void> {
  while (!stopping.signal.aborted) {
    const claimed = await claim();
    if (!claimed) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    let outcome = 'error';
    try {
      outcome = await runPass(claimed.account);
    } catch (error) {
      logger.warn({ account: claimed.account, err: error }, 'pass failed');
    }
    // The log's interval lies inside the lease: ended before the lease is let go.
    await database.query(sql`update bench_stand_in_passes set ended_at = clock_timestamp(), outcome = ${outcome} where id = ${claimed.pass}`);
    await database.query(sql`
      update bench_stand_in_claims c set holder = null, lease_until = null, due_at = date_trunc('minute', p.claimed_at) + interval '1 minute'
      from bench_stand_in_passes p where p.id = ${claimed.pass} and c.account = p.account`);
  }
}

await Promise.all(Array.from({ length: concurrency }, () => loop()));
await database.close();
