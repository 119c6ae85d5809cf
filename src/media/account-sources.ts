import { sql } from 'drizzle-orm';
import { openManagedAccount } from '../store/managed-accounts.ts';
import { describeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { RingCentralClient } from '../ringcentral/client.ts';
import type { RequestBudget } from '../ringcentral/request-budget.ts';
import type { SecretKeyring } from '../secrets/box.ts';
import { sharedAuthSession } from '../store/auth-sessions.ts';
import type { Database } from '../store/db.ts';
import { MediaRefusal } from './refusal.ts';
import { ringCentralMedia, type MediaSource } from './source.ts';

export interface AccountSourcesOptions {
  database: Database;
  keyring: SecretKeyring;
  logger: Logger;
  /** The credential's rate budget: on PostgreSQL the one its workers share (main.ts accountBudget). */
  budgetFor(credentialKey: string): RequestBudget;
  /** The environment's account (RC_*), for items of an account that was not added with `account add`. */
  fallback: MediaSource | undefined;
}

/**
 * Audio of many accounts: an item of an account added with `callsync account add` is fetched with that
 * account's own credentials and session (its token must never fetch another account's content), anything
 * else with the environment's account, if any. Each account's client is made once, on its first item.
 */
export function accountMediaSources(options: AccountSourcesOptions): MediaSource {
  const sources = new Map<string, Promise<MediaSource | undefined>>();
  const sourceOf = (accountId: string) => {
    let source = sources.get(accountId);
    if (!source) {
      source = managedSource(options, accountId);
      sources.set(accountId, source);
      // A failure (a key that does not open the row) is not kept: the next request tries again.
      source.catch(() => sources.delete(accountId));
    }
    return source;
  };
  return {
    async open(item, range, signal) {
      const source = (await sourceOf(item.accountId)) ?? options.fallback;
      if (!source) throw new MediaRefusal(503, 'MEDIA_NOT_CONFIGURED', `this \`callsync serve\` holds no credentials of RingCentral account ${item.accountId}: add it with callsync account add (and give serve's role \`callsync db-grants --media\`), or set RC_CLIENT_ID, RC_CLIENT_SECRET and RC_JWT to its credentials`);
      return source.open(item, range, signal);
    },
  };
}

async function managedSource(options: AccountSourcesOptions, accountId: string): Promise<MediaSource | undefined> {
  const { database, keyring, logger } = options;
  const [row] = await database.query<{ name: string }>(sql`select name from managed_accounts where account_id = ${accountId}`);
  if (!row) return undefined;
  let opened;
  try {
    opened = await openManagedAccount(database.db, keyring, row.name);
  } catch (error) {
    throw new MediaRefusal(503, 'MEDIA_NOT_CONFIGURED', `the credentials of account "${row.name}" do not open with this server's CALLSYNC_SECRET_KEY (${describeError(error)}): give serve the same key as the workers`);
  }
  const { account, credentials } = opened;
  const budget = options.budgetFor(account.credentialKey);
  const client = new RingCentralClient({
    credentials,
    budget,
    logger: logger.child({ component: 'ringcentral', account: account.name }),
    session: sharedAuthSession(database, account.credentialKey, { keyring, logger }),
  });
  return ringCentralMedia({ client, budget, serverUrl: credentials.serverUrl, logger: logger.child({ component: 'media', account: account.name }) });
}
