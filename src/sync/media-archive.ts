import { createHash } from 'node:crypto';
import { isRefusal } from '../errors.ts';
import type { MediaArchiveStore } from '../media/archive-store.ts';
import { archiveKey, type MediaArchiveDeps } from '../media/archive.ts';
import type { Download } from '../ringcentral/client.ts';
import { recordingsToArchive, saveArchived, voicemailsToArchive, type ArchiveOutcome, type MediaToArchive } from '../store/media-archive.ts';
import type { RunContext } from './runner.ts';

export const MEDIA_ARCHIVE_STREAM = 'media-archive';

/**
 * Most voicemail copies a pass makes: message content is in the Medium group (40 a minute), which the
 * transcripts (8 a pass), the extension list and the audio /media streams share.
 */
export const MAX_VOICEMAILS_PER_PASS = 8;
/**
 * Most recording copies a pass makes: recording content is in the Heavy group (10 a minute), which the
 * call log's pages need too; two a pass at a pass every 5 minutes is some 580 recordings a day.
 */
export const MAX_RECORDINGS_PER_PASS = 2;

/** Where the copies go, and how audio is fetched (RingCentralClient.download, through the process's budget). */
/** The groups content is charged to (api-notes §4.1, §5), as in media/source.ts. */
const GROUPS = { voicemails: 'Medium', recordings: 'Heavy' } as const;

/**
 * Copies voicemail and recording audio into the archive (MEDIA_ARCHIVE_DIR), newest first, a few a pass,
 * so /media can serve it once RingCentral has deleted it (recordings after 90 days). Each copy is written
 * aside and renamed (the store), read back and checked against the checksum taken while writing, and only
 * then recorded: a pass stopped anywhere leaves no row for what it did not finish, and the next pass copies
 * it again. A download RingCentral refuses for good (404 CMN-102, 410...) is recorded with its code and not
 * tried again; a failure that may pass (5xx, network) ends the run, and the next pass retries.
 */
export async function syncMediaArchive(ctx: RunContext, deps: MediaArchiveDeps): Promise<void> {
  const db = ctx.database.db;
  const items = [
    ...(await voicemailsToArchive(db, ctx.accountId, MAX_VOICEMAILS_PER_PASS)),
    ...(await recordingsToArchive(db, ctx.accountId, MAX_RECORDINGS_PER_PASS)),
  ];
  const counts = { archived: 0, bytes: 0, missing: 0 };
  for (const item of items) {
    ctx.checkpoint();
    const outcome = await archiveOne(ctx, deps, item);
    await ctx.writeTransaction(async (tx) => {
      await saveArchived(tx, ctx.accountId, item.kind, item.id, outcome);
      await ctx.recordPage(tx, { inserted: 1, updated: 0, unchanged: 0 });
    });
    if ('failureCode' in outcome) counts.missing++;
    else (counts.archived++, (counts.bytes += outcome.bytes));
  }
  if (items.length) ctx.logger.info(counts, 'media archived');
}

async function archiveOne(ctx: RunContext, deps: MediaArchiveDeps, item: MediaToArchive): Promise<ArchiveOutcome> {
  let download: Download;
  try {
    download = await deps.download(item.contentUri, GROUPS[item.kind], ctx.meter, ctx.signal);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    const failureCode = error.errorCode ?? `HTTP ${error.status}`;
    ctx.logger.warn({ kind: item.kind, id: item.id, status: error.status, failureCode }, 'RingCentral refused the audio for the archive; not asking again');
    return { failureCode };
  }
  const key = archiveKey(item.kind, ctx.accountId, item.id);
  const contentType = download.contentType?.split(';')[0]?.trim() || item.contentType || 'application/octet-stream';
  const stored = await deps.store.put(key, download.body, contentType);
  if (download.contentLength !== undefined && stored.bytes !== download.contentLength) {
    throw new Error(`${item.kind} ${item.id}: RingCentral announced ${download.contentLength} bytes and sent ${stored.bytes}; the next pass downloads it again`);
  }
  const written = await checksumOf(deps.store, key);
  if (written !== stored.sha256) {
    throw new Error(`${item.kind} ${item.id}: the archived copy does not read back as written (SHA-256 ${written} ≠ ${stored.sha256}); check the disk under MEDIA_ARCHIVE_DIR`);
  }
  return stored;
}

/** SHA-256 (hex) of what the store holds for `key`, read back from it. */
async function checksumOf(store: MediaArchiveStore, key: string): Promise<string | undefined> {
  const body = await store.get(key);
  if (!body) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
