import { findManagedAccount, openManagedAccount, type AccountSettings, type ManagedAccount } from '../store/managed-accounts.ts';
import type { Config } from '../config.ts';
import { UsageError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { accountBudget, connectAccount, type App, type AppObservers } from '../main.ts';
import type { RetryPolicy } from '../ringcentral/client.ts';
import { RateBudget } from '../ringcentral/rate-budget.ts';
import type { WatchedBudget } from '../ringcentral/request-budget.ts';
import type { SecretKeyring } from '../secrets/box.ts';
import type { Database } from '../store/db.ts';

/**
 * The rate budget of a credential (its stored session's key): RingCentral counts requests per user and app,
 * so every pass of the account, in this worker or (with a budget shared through the database) in any, draws
 * on one budget.
 */
export type BudgetFor = (credentialKey: string) => WatchedBudget;

/** One budget per credential, kept in this process's memory (one process on the database: PGlite, tests). */
export function processBudgets(rateLimitsEnabled = true): BudgetFor {
  return cachedBudgets(() => new RateBudget(undefined, rateLimitsEnabled));
}

/**
 * One budget per credential, on PostgreSQL shared through the database with every worker and every other
 * process using the credential (main.ts accountBudget): two workers never exceed an account's limits together.
 */
export function sharedBudgets(database: Database, logger: Logger, rateLimitsEnabled = true): BudgetFor {
  return cachedBudgets((key) => accountBudget(database, key, rateLimitsEnabled, logger));
}

function cachedBudgets(make: (credentialKey: string) => WatchedBudget): BudgetFor {
  const budgets = new Map<string, WatchedBudget>();
  return (key) => {
    let budget = budgets.get(key);
    if (!budget) budgets.set(key, (budget = make(key)));
    return budget;
  };
}

/** The deployment's configuration with the account's own settings where it has them (null: the default). */
export function accountConfig(config: Config, settings: AccountSettings): Config {
  return {
    ...config,
    sync: {
      ...config.sync,
      schedule: settings.schedule ?? config.sync.schedule,
      backfillDays: settings.backfillDays ?? config.sync.backfillDays,
      voicemailSweepHours: settings.sweepHours ?? config.sync.voicemailSweepHours,
    },
  };
}

export interface AccountAppsOptions {
  config: Config;
  database: Database;
  /** The keys that open managed accounts' credentials and seal their sessions (accountsKeyring). */
  keyring: SecretKeyring;
  logger: Logger;
  budgetFor: BudgetFor;
  retry?: RetryPolicy | undefined;
  observers?: AppObservers | undefined;
  /** Apps kept between passes (each saves a GET /account/~ per pass); the least recently used go first. */
  maxCached?: number;
}

/** A managed account's app, ready for syncAll, and the schedule it runs on. */
export interface AccountApp {
  app: App;
  schedule: string;
}

/**
 * Builds (and keeps) each managed account's App: its credentials opened from managed_accounts, its settings
 * merged into the configuration, its client sharing the account's stored session and budget. A kept app is
 * reused while the account's row says the same (credentials and settings); otherwise it is built again.
 */
export class AccountApps {
  private readonly cache = new Map<string, { fingerprint: string; app: AccountApp }>();

  constructor(private readonly options: AccountAppsOptions) {}

  async open(name: string): Promise<AccountApp> {
    const { database } = this.options;
    const listed = await findManagedAccount(database.db, name);
    if (!listed) throw new UsageError(`account "${name}" was removed`);
    const key = fingerprint(listed);
    const kept = this.cache.get(name);
    this.cache.delete(name);
    if (kept?.fingerprint === key) {
      this.cache.set(name, kept);
      return kept.app;
    }
    const built = await this.build(name);
    this.cache.set(name, { fingerprint: key, app: built });
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= (this.options.maxCached ?? 256)) break;
      this.cache.delete(oldest);
    }
    return built;
  }

  private async build(name: string): Promise<AccountApp> {
    const { database, keyring, logger, budgetFor } = this.options;
    const { account, credentials } = await openManagedAccount(database.db, keyring, name);
    const config = accountConfig(this.options.config, account);
    const connections = { database, credentials, credentialKey: account.credentialKey, keyring, simulator: undefined, close: async () => {} };
    const app = await connectAccount(config, connections, {
      logger: logger.child({ account: name }),
      rateBudget: budgetFor(account.credentialKey),
      ...(this.options.retry ? { retry: this.options.retry } : {}),
      observers: this.options.observers,
    });
    // The credentials were checked against this RingCentral account when added: another account now (a
    // JWT replaced under the same name) would mix two companies' calls under one name.
    if (account.accountId && account.accountId !== app.accountId) {
      throw new UsageError(`the credentials of account "${name}" now reach RingCentral account ${app.accountId}, not ${account.accountId} as when added: remove the account and add it again`);
    }
    return { app, schedule: config.sync.schedule };
  }
}

function fingerprint(a: ManagedAccount): string {
  return JSON.stringify([a.credentialKey, a.serverUrl, a.clientId, a.schedule ?? null, a.backfillDays ?? null, a.sweepHours ?? null]);
}
