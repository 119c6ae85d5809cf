import { sql } from 'drizzle-orm';
import type { Database } from './db.ts';
import { scopeCondition, type AccountScope } from './read-keys.ts';

/** The two kinds of audio /media serves, as they appear in its paths. */
export type MediaKind = 'voicemails' | 'recordings';

/** What callsync knows of one voicemail's or recording's audio. */
export interface MediaItem {
  kind: MediaKind;
  accountId: string;
  id: string;
  /** RingCentral's content URI (on its media host); null when RingCentral never named one. */
  contentUri: string | null;
  contentType: string | null;
  /** Voicemails: Alive, Deleted or Purged; recordings: null (RingCentral says nothing until the content is gone). */
  availability: string | null;
  /** False for a voicemail stub in a mailbox callsync may not read (CMN-419). */
  readable: boolean;
}

/**
 * The voicemail or recording `id` of `accountId` (a link that names its account), or of whichever account of
 * the scope holds it (a link made before links named the account): undefined when none does, 'ambiguous'
 * when two accounts of the scope hold the id (ids are unique only per account). Never a row outside the scope.
 */
export async function findMediaItem(database: Database, scope: AccountScope, kind: MediaKind, id: string, accountId?: string): Promise<MediaItem | 'ambiguous' | undefined> {
  const where = [scopeCondition(sql`account_id`, scope), accountId === undefined ? undefined : sql`account_id = ${accountId}`, sql`id = ${id}`].filter((c) => c !== undefined);
  const condition = sql.join(where, sql` and `);
  if (kind === 'voicemails') {
    const rows = await database.query<{ account_id: string; audio_uri: string | null; audio_content_type: string | null; availability: string; readable: boolean }>(sql`
      select account_id, audio_uri, audio_content_type, availability, readable from voicemails where ${condition} order by account_id limit 2`);
    const row = rows[0];
    if (rows.length > 1) return 'ambiguous';
    return row && { kind, accountId: row.account_id, id, contentUri: row.audio_uri, contentType: row.audio_content_type, availability: row.availability, readable: row.readable };
  }
  // The same recording is named by the record and its leg: any row tells its content URI.
  const rows = await database.query<{ account_id: string; content_uri: string | null }>(sql`
    select distinct on (account_id) account_id, content_uri from recordings where ${condition} order by account_id, content_uri nulls last limit 2`);
  const row = rows[0];
  if (rows.length > 1) return 'ambiguous';
  return row && { kind, accountId: row.account_id, id, contentUri: row.content_uri, contentType: null, availability: null, readable: true };
}
