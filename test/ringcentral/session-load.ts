// Shared by session-sharing.int.test.ts and its child processes: one RingCentral client on a database,
// several concurrent request loops for a while, and a tally of what happened.

import type { RingCentralCredentials } from '../../src/config.ts';
import type { Logger } from '../../src/logger.ts';
import { RequestMeter, RingCentralClient } from '../../src/ringcentral/client.ts';
import { RateBudget } from '../../src/ringcentral/rate-budget.ts';
import { sharedAuthSession } from '../../src/store/auth-sessions.ts';
import type { Database } from '../../src/store/db.ts';
import { secretKeyring, type SecretKeyring } from '../../src/secrets/box.ts';
import { credentialSecretKey } from '../../src/secrets/keys.ts';

/** One credential key for every client of a test: they share one session. */
export const CREDENTIAL_KEY = 'session-sharing-test';
const ACCOUNT = '/restapi/v1.0/account/~';

export interface Tally {
  ok: number;
  failures: string[];
  /** Token requests this client sent (JWT logins and refreshes). */
  tokenRequests: number;
}

/** The keys every client (and child process) of a test seals the session with: the ones callsync derives. */
export function sessionKeyring(credentials: RingCentralCredentials): SecretKeyring {
  return secretKeyring([credentialSecretKey(credentials)], 'the test key');
}

/** A client with its own memory on `database`; no client-side rate budget (the simulator has none either). */
export function sessionClient(database: Database, credentials: RingCentralCredentials, logger: Logger): RingCentralClient {
  return new RingCentralClient({
    credentials,
    budget: new RateBudget(undefined, false),
    logger,
    session: sharedAuthSession(database, CREDENTIAL_KEY, { keyring: sessionKeyring(credentials), logger }),
    retry: { retries: 3, minTimeoutMs: 10, maxTimeoutMs: 100 },
  });
}

/** `loops` concurrent request loops, each a GET of the account every `pauseMs`, until `durationMs` have passed. */
export async function hammer(client: RingCentralClient, opts: { loops: number; durationMs: number; pauseMs: number }): Promise<Tally> {
  const meter = new RequestMeter();
  const tally: Tally = { ok: 0, failures: [], tokenRequests: 0 };
  const until = Date.now() + opts.durationMs;
  await Promise.all(
    Array.from({ length: opts.loops }, async () => {
      while (Date.now() < until) {
        try {
          await client.get(ACCOUNT, {}, 'Light', meter);
          tally.ok++;
        } catch (error) {
          tally.failures.push(error instanceof Error ? error.message : String(error));
        }
        await new Promise((resolve) => setTimeout(resolve, opts.pauseMs));
      }
    }),
  );
  tally.tokenRequests = meter.requests.Auth;
  return tally;
}
