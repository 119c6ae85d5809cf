/**
 * The simulated fleet of bench:accounts, run as a child process (bench/accounts-fleet.ts forks it) so its
 * CPU and memory are never the workers': one built-in simulator (own HTTP server, own company, own rate
 * limits ON, own live traffic) per account. Talks to the bench over the IPC channel; exits when the bench
 * goes away.
 */
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import type { FleetAccount, FleetOptions, FleetReport, FleetRequest } from './accounts-fleet.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as FleetOptions;
const sims: Array<{ name: string; sim: Simulator }> = [];

async function start(): Promise<FleetAccount[]> {
  const now = Date.now();
  const accountIds = new Set<string>();
  // RingCentral account ids are unique, and so is managed_accounts.account_id: a seed whose small company
  // draws an id another already has is skipped (the small companies draw from ~30,000 ids).
  for (let seed = options.firstSeed; sims.length < options.accounts; seed++) {
    const n = sims.length;
    const sim = await startSimulator({
      seed,
      // One app (a CRM vendor's) installed by many customers: same client, a JWT per customer.
      clientId: 'bench-client', clientSecret: 'bench-client-secret', jwt: `bench-jwt-${n}`,
      history: { from: new Date(now - options.historyHours * 3_600_000), to: new Date(now), calls: options.historyCalls },
      live: { callsPerMinute: options.callsPerMinute },
      // rateLimits left at RingCentral's defaults: a client exceeding them gets 429s, counted below.
    });
    if (accountIds.has(sim.accountId)) {
      await sim.close();
      continue;
    }
    accountIds.add(sim.accountId);
    sims.push({ name: `bench-${String(n).padStart(3, '0')}`, sim });
  }
  return sims.map(({ name, sim }) => ({ name, url: sim.url, accountId: sim.accountId, ...sim.credentials }));
}

function report(since: number): FleetReport {
  return {
    type: 'report',
    accounts: sims.map(({ name, sim }) => {
      const s = sim.stats();
      return { name, rateLimited: s.rateLimitedTotal, status429: s.byStatus['429'] ?? 0, requests: s.requests, visible: sim.visibility(since).map((c) => ({ id: c.id, visibleAt: c.visibleAt })) };
    }),
  };
}

async function stop(): Promise<void> {
  await Promise.allSettled(sims.map(({ sim }) => sim.close()));
  process.exit(0);
}

process.on('message', (message: FleetRequest) => {
  if (message.type === 'report') process.send!(report(message.since));
  if (message.type === 'stop') void stop();
});
// The bench went away (crashed, or Ctrl-C reached it first): nothing is left to serve.
process.on('disconnect', () => void stop());
process.on('SIGINT', () => undefined);

process.send!({ type: 'ready', accounts: await start() });
