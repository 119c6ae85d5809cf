import { asc, sql } from 'drizzle-orm';
import { extensions, syncState } from '../schema/index.ts';
import { scopeCondition } from '../store/read-keys.ts';
import { accountsInScope } from '../store/status-reads.ts';
import type { ApiContext } from './context.ts';

/** Query.accounts, Query.extensions and Query.syncStatus: the key's accounts, what is known of them, how fresh it is. */
export const statusResolvers = {
  Query: {
    accounts: (_: unknown, __: unknown, { database, scope }: ApiContext) => accountsInScope(database.db, scope),
    async extensions(_: unknown, __: unknown, { database, scope }: ApiContext) {
      return database.db.select().from(extensions).where(scopeCondition(sql`${extensions.accountId}`, scope))
        .orderBy(asc(extensions.extensionNumber), asc(extensions.accountId), asc(extensions.id));
    },
    async syncStatus(_: unknown, __: unknown, { database, scope }: ApiContext) {
      const rows = await database.db.select().from(syncState).where(scopeCondition(sql`${syncState.accountId}`, scope))
        .orderBy(asc(syncState.accountId), asc(syncState.stream));
      // Mailboxes keep a checkpoint each; the `voicemails` stream reports them together: synced through
      // the least recent mailbox, records summed.
      const mailboxes = rows.filter((r) => r.stream.startsWith('voicemail:'));
      return {
        streams: rows.filter((r) => !r.stream.startsWith('voicemail:')).map((r) => {
          const mine = r.stream === 'voicemails' ? mailboxes.filter((m) => m.accountId === r.accountId) : [];
          const through = mine.map((m) => m.syncedThrough).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime());
          return {
            accountId: r.accountId,
            name: r.stream,
            lastRunAt: r.lastRunAt,
            lastSuccessAt: r.lastSuccessAt,
            lastError: r.lastError,
            syncedThrough: mine.length ? (through[0] ?? null) : r.syncedThrough,
            recordsSynced: r.recordsSynced + mine.reduce((n, m) => n + m.recordsSynced, 0),
          };
        }),
      };
    },
  },
};
