import { createHash } from 'node:crypto';
import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { ExtensionRecord } from '../ringcentral/payloads.ts';
import { stringifyJson } from '../ringcentral/json.ts';
import { extensions } from '../schema/index.ts';
import type { Db } from './db.ts';

export interface ExtensionCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Upserts a page of extensions; writes only rows whose content changed. */
export async function upsertExtensions(db: Db, accountId: string, records: ExtensionRecord[]): Promise<ExtensionCounts> {
  if (records.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const rows = records.map((r) => {
    const raw = stringifyJson(r);
    return {
      accountId,
      id: r.id,
      extensionNumber: r.extensionNumber ?? null,
      name: r.name ?? null,
      type: r.type ?? null,
      status: r.status ?? null,
      present: true,
      // As text cast in SQL: a JSON.parse here would round int64 values beyond 2^53.
      raw: sql`${raw}::jsonb`,
      contentHash: createHash('sha256').update(raw).digest('base64url'),
    };
  });
  const written = await db
    .insert(extensions)
    .values(rows)
    .onConflictDoUpdate({
      target: [extensions.accountId, extensions.id],
      set: {
        extensionNumber: sql`excluded.extension_number`,
        name: sql`excluded.name`,
        type: sql`excluded.type`,
        status: sql`excluded.status`,
        present: true,
        raw: sql`excluded.raw`,
        contentHash: sql`excluded.content_hash`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${extensions.contentHash} is distinct from excluded.content_hash or not ${extensions.present}`,
    })
    .returning({ id: extensions.id, inserted: sql<boolean>`(xmax = 0)` });
  const inserted = written.filter((w) => w.inserted).length;
  return { inserted, updated: written.length - inserted, unchanged: rows.length - written.length };
}

/** Marks extensions RingCentral no longer lists (after a complete listing) as not present. */
export async function markMissingExtensions(db: Db, accountId: string, seenIds: string[]): Promise<number> {
  const gone = await db
    .update(extensions)
    .set({ present: false, updatedAt: sql`now()` })
    .where(and(eq(extensions.accountId, accountId), eq(extensions.present, true), seenIds.length ? notInArray(extensions.id, seenIds) : sql`true`))
    .returning({ id: extensions.id });
  return gone.length;
}
