/**
 * The bench's handle on its simulated fleet (bench/accounts-fleet-process.ts, a child process): start it,
 * ask what each account's simulator served and showed, stop it.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { RateGroup } from '../src/simulator/index.ts';
import { track } from './accounts-processes.ts';

export interface FleetOptions {
  accounts: number;
  firstSeed: number;
  /** Each company's history: this many calls over the hours before the start. */
  historyCalls: number;
  historyHours: number;
  /** Each company's live traffic. */
  callsPerMinute: number;
}

/** One simulated account: where it is and the credentials its customer would give callsync. */
export interface FleetAccount {
  name: string;
  url: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  jwt: string;
}

export interface FleetReport {
  type: 'report';
  accounts: Array<{
    name: string;
    /** Requests refused for exceeding the account's rate limits (the simulator's own count), and all 429s. */
    rateLimited: number;
    status429: number;
    requests: Record<RateGroup, number>;
    /** Calls that became visible since the time asked for: id and when (epoch ms). */
    visible: Array<{ id: string; visibleAt: number }>;
  }>;
}

export type FleetRequest = { type: 'report'; since: number } | { type: 'stop' };

export interface Fleet {
  accounts: FleetAccount[];
  pid: number;
  report(since: number): Promise<FleetReport>;
  stop(): Promise<void>;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const child = fork(new URL('./accounts-fleet-process.ts', import.meta.url), [JSON.stringify(options)], {
    execArgv: ['--max-old-space-size=1024', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child, 'simulator fleet', { last: true });
  const next = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const listen = (m: { type: string }) => {
        if (m.type !== type) return;
        done();
        resolve(m as T);
      };
      const exited = (code: number | null) => {
        done();
        reject(new Error(`the simulator fleet exited (${code}) before answering`));
      };
      const done = () => child.off('message', listen).off('exit', exited);
      child.on('message', listen).on('exit', exited);
    });
  const { accounts } = await next<{ accounts: FleetAccount[] }>('ready');
  return {
    accounts,
    pid: child.pid!,
    report(since) {
      const answer = next<FleetReport>('report');
      child.send({ type: 'report', since } satisfies FleetRequest);
      return answer;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' } satisfies FleetRequest);
      await exited;
    },
  };
}
