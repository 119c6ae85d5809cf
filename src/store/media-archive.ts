import { sql } from 'drizzle-orm';
import { mediaArchive } from '../schema/index.ts';
import { rowsOf, type Db } from './db.ts';
import type { MediaKind } from './media-reads.ts';

/** The media archive's bookkeeping: what to copy next, and what was copied (or given up on). */

export interface MediaToArchive {
  kind: MediaKind;
  id: string;
  contentUri: string;
  contentType: string | null;
}

/**
 * Voicemails with audio and no media_archive row, newest first (a CRM plays today's first; a backlog drains
 * over the passes). A purged message has lost its audio; a deleted one still has it.
 */
export async function voicemailsToArchive(db: Db, accountId: string, limit: number): Promise<MediaToArchive[]> {
  const rows = rowsOf<{ id: string; uri: string; type: string | null }>(await db.execute(sql`
    select v.id, v.audio_uri as uri, v.audio_content_type as type
    from voicemails v
    where v.account_id = ${accountId} and v.readable and v.availability <> 'Purged' and v.audio_uri is not null
      and not exists (select 1 from media_archive a where a.account_id = v.account_id and a.kind = 'voicemails' and a.id = v.id)
    order by v.creation_time desc nulls last, v.id desc
    limit ${limit}`));
  return rows.map((r) => ({ kind: 'voicemails', id: r.id, contentUri: r.uri, contentType: r.type }));
}

/** Recordings with a content URI and no media_archive row, newest call first (one recording may name several rows). */
export async function recordingsToArchive(db: Db, accountId: string, limit: number): Promise<MediaToArchive[]> {
  const rows = rowsOf<{ id: string; uri: string }>(await db.execute(sql`
    select r.id, min(r.content_uri) as uri
    from recordings r join calls c on c.account_id = r.account_id and c.id = r.call_id
    where r.account_id = ${accountId} and r.content_uri is not null
      and not exists (select 1 from media_archive a where a.account_id = r.account_id and a.kind = 'recordings' and a.id = r.id)
    group by r.id
    order by max(c.start_time) desc, r.id desc
    limit ${limit}`));
  return rows.map((r) => ({ kind: 'recordings', id: r.id, contentUri: r.uri, contentType: null }));
}

export type ArchiveOutcome = { bytes: number; sha256: string; contentType: string } | { failureCode: string };

/** Records a copy (or a permanent refusal); a second record of the same item replaces the first. */
export async function saveArchived(db: Db, accountId: string, kind: MediaKind, id: string, outcome: ArchiveOutcome): Promise<void> {
  const values = 'failureCode' in outcome
    ? { bytes: null, sha256: null, contentType: null, failureCode: outcome.failureCode }
    : { bytes: outcome.bytes, sha256: outcome.sha256, contentType: outcome.contentType, failureCode: null };
  await db.insert(mediaArchive).values({ accountId, kind, id, ...values })
    .onConflictDoUpdate({ target: [mediaArchive.accountId, mediaArchive.kind, mediaArchive.id], set: { ...values, archivedAt: new Date() } });
}
