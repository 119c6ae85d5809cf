import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { archiveKey } from '../media/archive.ts';
import type { MediaKind } from '../store/media-reads.ts';

const KINDS: readonly MediaKind[] = ['voicemails', 'recordings'];

/**
 * The media archive's folders of one account (its keys are `kind/account/id`, media/archive.ts), under
 * `dir` (MEDIA_ARCHIVE_DIR). The account id is RingCentral's, all digits; anything else names no folder.
 */
export function archiveFoldersOf(dir: string, accountId: string): string[] {
  if (!/^\d{1,20}$/.test(accountId)) return [];
  return KINDS.map((kind) => path.join(dir, path.dirname(archiveKey(kind, accountId, '0'))));
}

/**
 * Deletes the account's archived audio (`account remove --drop-data`), after its rows are gone: a copy
 * with no row is never served (/media finds the item in the database first). The folders that existed.
 */
export async function removeArchivedAudio(dir: string, accountId: string): Promise<string[]> {
  const removed: string[] = [];
  for (const folder of archiveFoldersOf(dir, accountId)) {
    if (!existsSync(folder)) continue;
    await rm(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return removed;
}
