// A separate process for session-sharing.int.test.ts: one client on the Postgres database and simulator
// named by the environment, hammering for a while; prints its tally as one JSON line.

import { silentLogger } from '../../src/logger.ts';
import { openDatabase } from '../../src/store/db.ts';
import { hammer, sessionClient } from './session-load.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const database = await openDatabase({ url: env('DATABASE_URL') });
try {
  const client = sessionClient(database, { serverUrl: env('RC_SERVER_URL'), clientId: env('RC_CLIENT_ID'), clientSecret: env('RC_CLIENT_SECRET'), jwt: env('RC_JWT') }, silentLogger);
  const tally = await hammer(client, { loops: Number(env('LOOPS')), durationMs: Number(env('DURATION_MS')), pauseMs: Number(env('PAUSE_MS')) });
  process.stdout.write(`${JSON.stringify(tally)}\n`);
} finally {
  await database.close();
}
