import { SDK } from '@ringcentral/sdk';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openManagedAccount } from '../../src/store/managed-accounts.ts';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { connectAccount, credentialKey, syncAll } from '../../src/main.ts';
import { mediaForServe } from '../../src/media/connect.ts';
import { RateBudget } from '../../src/ringcentral/rate-budget.ts';
import { accountsKeyring } from '../../src/secrets/keys.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import type { Database } from '../../src/store/db.ts';
import { databaseKind } from '../helpers/database.ts';
import { FAST_RETRY, history } from '../helpers/harness.ts';
import { addFlags, startAccountsRig, type AccountsRig } from '../accounts/rig.ts';

/*
 * A `serve` with no RC_* and two accounts added with `account add`: each account's audio is fetched with
 * that account's own credentials (another account's token would be refused by its RingCentral, here its
 * simulator), and a key of one account never plays the other's.
 */

let rig: AccountsRig;
let database: Database;
let server: ApiServer;
let close: () => Promise<void>;
const keys: Record<string, string> = {};

beforeAll(async () => {
  rig = await startAccountsRig([{ seed: 721, history: history(80, 1, 3_600_000) }, { seed: 722, history: history(80, 1, 3_600_000) }]);
  for (const [sim, name] of rig.sims.map((s, i) => [s, `acct${i}`] as const)) {
    const added = await rig.account(addFlags(rig, sim, name));
    expect(added.status, added.stderr).toBe(0);
  }
  const config = loadConfig(rig.env, { accounts: 'none' });
  const keyring = accountsKeyring(config, silentLogger);
  // One handle for the test's life (PGlite: one process), closed in afterAll.
  await new Promise<void>((ready) => {
    const held = rig.withDb(async (db) => {
      database = db;
      for (const name of ['acct0', 'acct1']) {
        const { account, credentials } = await openManagedAccount(db.db, keyring, name);
        const app = await connectAccount(config, { database: db, credentials, credentialKey: account.credentialKey, keyring, simulator: undefined, close: async () => undefined }, { logger: silentLogger, retry: FAST_RETRY });
        for (const r of await syncAll(app)) expect(r.error, `${name} ${r.stream}`).toBeUndefined();
      }
      const media = await mediaForServe(config, db, credentialKey, () => new RateBudget(), silentLogger);
      server = await startApiServer({ database: db, port: 0, logger: silentLogger, media });
      for (const sim of rig.sims) keys[sim.accountId] = await createApiKey(db.db, `key-${sim.accountId}`, [sim.accountId]);
      ready();
      await new Promise<void>((done) => (close = async () => done()));
    });
    held.catch(() => undefined);
  });
}, 300_000);

afterAll(async () => {
  await server?.close();
  await close?.();
  await rig?.close();
});

async function aVoicemailOf(sim: Simulator): Promise<{ id: string; uri: string }> {
  const [row] = await database.query<{ id: string; audio_uri: string }>(sql`
    select id, audio_uri from voicemails where account_id = ${sim.accountId} and audio_uri is not null order by id limit 1`);
  expect(row, `a voicemail with audio in account ${sim.accountId}`).toBeDefined();
  return { id: row!.id, uri: row!.audio_uri };
}

/** What the account's own RingCentral sends for the content URI, fetched with a session of the test's own. */
async function ownBytes(sim: Simulator, uri: string): Promise<Buffer> {
  const sdk = new SDK({ server: sim.url, clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret });
  await sdk.platform().login({ jwt: sim.credentials.jwt });
  return Buffer.from(await (await sdk.platform().get(uri)).arrayBuffer());
}

describe(`serve's /media for accounts added with account add (${databaseKind})`, () => {
  it('plays each account\'s voicemail through that account\'s own credentials', async () => {
    for (const sim of rig.sims) {
      const voicemail = await aVoicemailOf(sim);
      const res = await fetch(`${server.url}/media/voicemails/${sim.accountId}/${voicemail.id}`, { headers: { authorization: `Bearer ${keys[sim.accountId]}` } });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status, body.toString('utf8').slice(0, 300)).toBe(200);
      expect(body.equals(await ownBytes(sim, voicemail.uri)), `account ${sim.accountId}: the bytes its own RingCentral serves`).toBe(true);
    }
  });

  it('a key of one account gets 404 for the other\'s voicemail, as for an id that does not exist', async () => {
    const [a, b] = rig.sims as [Simulator, Simulator];
    const voicemail = await aVoicemailOf(b);
    const res = await fetch(`${server.url}/media/voicemails/${b.accountId}/${voicemail.id}`, { headers: { authorization: `Bearer ${keys[a.accountId]}` } });
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});
