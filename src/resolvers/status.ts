import { asc, not, like } from 'drizzle-orm';
import { extensions, syncState } from '../schema/index.ts';
import type { ApiContext } from './context.ts';

/** Query.extensions and Query.syncStatus: what is known about the accounts and how fresh it is. */
export const statusResolvers = {
  Query: {
    async extensions(_: unknown, __: unknown, { database }: ApiContext) {
      return database.db.select().from(extensions).orderBy(asc(extensions.extensionNumber), asc(extensions.id));
    },
    async syncStatus(_: unknown, __: unknown, { database }: ApiContext) {
      // Mailboxes keep a checkpoint each; the `voicemails` stream row speaks for all of them.
      const rows = await database.db.select().from(syncState).where(not(like(syncState.stream, 'voicemail:%'))).orderBy(asc(syncState.accountId), asc(syncState.stream));
      return {
        streams: rows.map((r) => ({
          name: r.stream,
          lastRunAt: r.lastRunAt,
          lastSuccessAt: r.lastSuccessAt,
          lastError: r.lastError,
          syncedThrough: r.syncedThrough,
          recordsSynced: r.recordsSynced,
        })),
      };
    },
  },
};
