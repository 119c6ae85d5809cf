import { sql } from 'drizzle-orm';
import type { Database } from './db.ts';

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

/** The voicemail or recording `id` (of any account: ids are RingCentral's, unique across accounts), or undefined. */
export async function findMediaItem(database: Database, kind: MediaKind, id: string): Promise<MediaItem | undefined> {
  if (kind === 'voicemails') {
    const [row] = await database.query<{ account_id: string; audio_uri: string | null; audio_content_type: string | null; availability: string; readable: boolean }>(sql`
      select account_id, audio_uri, audio_content_type, availability, readable from voicemails where id = ${id} order by account_id limit 1`);
    return row && { kind, accountId: row.account_id, id, contentUri: row.audio_uri, contentType: row.audio_content_type, availability: row.availability, readable: row.readable };
  }
  // The same recording is named by the record and its leg: any row tells its content URI.
  const [row] = await database.query<{ account_id: string; content_uri: string | null }>(sql`
    select account_id, content_uri from recordings where id = ${id} order by account_id, content_uri nulls last limit 1`);
  return row && { kind, accountId: row.account_id, id, contentUri: row.content_uri, contentType: null, availability: null, readable: true };
}
