import type { Database } from '../store/db.ts';
import type { AccountScope } from '../store/read-keys.ts';

/** The server's limits that resolvers enforce themselves. */
export interface ApiLimits {
  /** The largest `first` any connection accepts (the contract promises at least 500). */
  maxPageSize: number;
}

/** Signed links to the server's /media (media/links.ts); resolvers may not import the server. */
export interface MediaLinks {
  url(kind: 'voicemails' | 'recordings', accountId: string, id: string): string;
}

/**
 * What every resolver receives: the database, the API key that made the request (its name and the accounts
 * it may read), the limits. Every read passes `scope` down to SQL: no resolver returns a row outside it.
 */
export interface ApiContext {
  database: Database;
  apiKeyName: string;
  scope: AccountScope;
  limits: ApiLimits;
  /** Absent when the server signs no links: audioUrl is then null. */
  media?: MediaLinks | undefined;
}
