import { markMissingExtensions, upsertExtensions } from '../store/extensions.ts';
import { writeSyncState } from '../store/sync-state.ts';
import type { RunContext } from './runner.ts';

export const EXTENSIONS_STREAM = 'extensions';

/** Guards against a server whose navigation never ends. */
const MAX_PAGES = 1000;

/**
 * Lists every extension (users, departments/call queues, IVR menus...). Each page commits on its own;
 * extensions that are no longer listed are flagged not present once the whole list has been read.
 */
export async function syncExtensions(ctx: RunContext): Promise<void> {
  const seen: string[] = [];
  for (let page = 1, pages = 0; pages < MAX_PAGES; pages++) {
    ctx.checkpoint();
    const result = await ctx.api.extensionsPage(page, ctx.meter, ctx.signal);
    seen.push(...result.records.map((r) => r.id));
    const last = result.nextPage === undefined;
    await ctx.writeTransaction(async (tx) => {
      const counts = await upsertExtensions(tx, ctx.accountId, result.records);
      if (last) counts.updated += await markMissingExtensions(tx, ctx.accountId, seen);
      await writeSyncState(tx, ctx.accountId, ctx.stream, {
        addRecords: counts.inserted + counts.updated,
        ...(last ? { syncedThrough: ctx.now(), lastScanAt: ctx.now() } : {}),
      });
      await ctx.recordPage(tx, counts);
    });
    if (last) return;
    page = result.nextPage!;
  }
  throw new Error(`the extension list did not end after ${MAX_PAGES} pages`);
}
