import type { Database } from '../store/db.ts';

/** What every resolver receives: the database, and the name of the API key that made the request. */
export interface ApiContext {
  database: Database;
  apiKeyName: string;
}
