import type { Database } from '../store/db.ts';

/** The server's limits that resolvers enforce themselves. */
export interface ApiLimits {
  /** The largest `first` any connection accepts (the contract promises at least 500). */
  maxPageSize: number;
}

/** Signed links to the server's /media (media/links.ts); resolvers may not import the server. */
export interface MediaLinks {
  url(kind: 'voicemails' | 'recordings', id: string): string;
}

/** What every resolver receives: the database, the name of the API key that made the request, the limits. */
export interface ApiContext {
  database: Database;
  apiKeyName: string;
  limits: ApiLimits;
  /** Absent when the server signs no links: audioUrl is then null. */
  media?: MediaLinks | undefined;
}
