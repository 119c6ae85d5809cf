import type { Command } from 'commander';
import { startSimulator } from '../../simulator/index.ts';
import { UsageError } from '../../errors.ts';
import { action, parseIntFlag } from '../context.ts';

interface SimulatorFlags {
  port: string;
  seed: string;
  calls: string;
  days: string;
  liveRate: string;
  rateLimits: boolean;
  late: boolean;
  profile: string;
  users?: string;
  role: string;
}

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('run the built-in RingCentral simulator on 127.0.0.1 (point RC_SERVER_URL at it)')
    .option('--port <n>', 'port to listen on (0 = any free port)', '4010')
    .option('--seed <n>', 'seed of the generated company and traffic', '1')
    .option('--calls <n>', 'calls of generated history', '1000')
    .option('--days <n>', 'days the history spans, ending now', '7')
    .option('--live-rate <n>', 'new calls per minute as time passes (0 = none)', '2')
    .option('--no-rate-limits', "serve without RingCentral's rate limits (benchmarks)")
    .option('--profile <name>', 'traffic mix: office (~2 legs a call) or contact-center (queue-heavy, ~3 legs a call)', 'office')
    .option('--late', 'hold back some records and changes until POST /__sim/release')
    .option('--users <n>', 'a company of this many users (with queues, shared and disabled mailboxes in proportion) instead of the small one')
    .option('--role <name>', "the JWT user's role: SuperAdmin, or UserAdmin (403 CMN-419 for other extensions' mailboxes; switchable with POST /__sim/faults {\"adminRole\": …})", 'SuperAdmin')
    .action(action(async (flags: SimulatorFlags) => {
      const port = parseIntFlag('--port', flags.port, 0, 65535);
      const days = parseIntFlag('--days', flags.days, 1, 366);
      const calls = parseIntFlag('--calls', flags.calls, 0, 5_000_000);
      const liveRate = parseIntFlag('--live-rate', flags.liveRate, 0, 10_000);
      if (flags.profile !== 'office' && flags.profile !== 'contact-center') throw new UsageError(`--profile must be office or contact-center (got "${flags.profile}")`);
      if (flags.role !== 'SuperAdmin' && flags.role !== 'UserAdmin') throw new UsageError(`--role must be SuperAdmin or UserAdmin (got "${flags.role}")`);
      const users = flags.users === undefined ? undefined : parseIntFlag('--users', flags.users, 1, 20_000);
      const to = new Date();
      const sim = await startSimulator({
        port,
        seed: parseIntFlag('--seed', flags.seed, 0, 2 ** 31 - 1),
        profile: flags.profile,
        adminRole: flags.role,
        ...(users ? { company: { users } } : {}),
        history: { from: new Date(to.getTime() - days * 86_400_000), to, calls },
        ...(liveRate > 0 ? { live: { callsPerMinute: liveRate } } : {}),
        ...(flags.rateLimits ? {} : { rateLimits: false as const }),
        ...(flags.late ? { late: { heldFraction: 0.05, modifiedFraction: 0.1, deletedFraction: 0.02 } } : {}),
      });
      // The last line is machine-readable so scripts (the benchmark, tests) can start it as a child process.
      process.stdout.write(
        `RingCentral simulator listening on ${sim.url}\n` +
          `  RC_SERVER_URL=${sim.url} RC_CLIENT_ID=${sim.credentials.clientId} RC_CLIENT_SECRET=${sim.credentials.clientSecret} RC_JWT=${sim.credentials.jwt}\n` +
          `${JSON.stringify({ url: sim.url, accountId: sim.accountId, ...sim.credentials })}\n`,
      );
      await new Promise<void>((resolve) => process.once('SIGTERM', resolve).once('SIGINT', resolve));
      await sim.close();
    }));
}
