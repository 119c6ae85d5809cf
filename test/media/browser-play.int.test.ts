import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { syncAll } from '../../src/main.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';
import { CHROMIUM, chromiumMissing, launchOfflineBrowser, trappedByPages, type OfflineBrowser } from '../helpers/offline-browser.ts';

/*
 * The promise, in a real browser: the voicemail link GraphQL hands a CRM plays in a page that holds
 * no API key, until the link expires. The page is a CRM's activity: an <audio> element with the link.
 */

describe.skipIf(chromiumMissing)(`a voicemail's audioUrl plays in headless Chromium without a key (${databaseKind}; needs ${CHROMIUM} or CHROMIUM_PATH)`, () => {
  let harness: Harness;
  let server: ApiServer;
  let browser: OfflineBrowser;
  let context: BrowserContext;
  let audioUrl: string;

  beforeAll(async () => {
    harness = await startHarness({ seed: 4242, history: history(120, 1, 3_600_000) }, { SYNC_BACKFILL_DAYS: '2' });
    const app = await harness.app();
    for (const r of await syncAll(app)) expect(r.error, r.stream).toBeUndefined();
    server = await startApiServer({ database: harness.testDb.database, port: 0, logger: silentLogger, media: app.media });
    const key = await createApiKey(harness.testDb.database.db, 'browser');
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ voicemails(first: 50) { edges { node { id readable availability audioUrl } } } }' }),
    });
    const body = (await res.json()) as { data: { voicemails: { edges: Array<{ node: { readable: boolean; availability: string; audioUrl: string | null } }> } } };
    const playable = body.data.voicemails.edges.map((e) => e.node).find((v) => v.readable && v.availability === 'Alive' && v.audioUrl);
    expect(playable, 'a readable voicemail with audio').toBeDefined();
    audioUrl = playable!.audioUrl!;
    browser = await launchOfflineBrowser('media');
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await harness?.close();
  });

  /** Loads `src` in an <audio> element of a page without credentials: its duration, or the media error. */
  async function play(src: string): Promise<{ duration?: number; error?: number }> {
    const page = await context.newPage();
    try {
      await page.setContent('<!doctype html><title>CRM activity</title><audio controls preload="metadata"></audio>');
      return await page.evaluate(
        (url) =>
          new Promise<{ duration?: number; error?: number }>((resolve) => {
            const audio = document.querySelector('audio')!;
            audio.addEventListener('loadedmetadata', () => resolve({ duration: audio.duration }));
            audio.addEventListener('error', () => resolve({ error: audio.error?.code ?? -1 }));
            audio.src = url;
          }),
        src,
      );
    } finally {
      await page.close();
    }
  }

  it('plays the signed link: the browser reads the audio through callsync, with no key and no RingCentral token', async () => {
    expect(audioUrl.startsWith(`${server.url}/media/voicemails/`)).toBe(true);
    const played = await play(audioUrl);
    expect(played.error).toBeUndefined();
    expect(played.duration).toBeGreaterThan(0);
    // Every request went to callsync itself; nothing tried to leave the machine.
    expect(trappedByPages(browser)).toEqual([]);
    expect(browser.requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('about:'))).toEqual([]);
  });

  it('does not play the link once altered, nor the bare path without a signature', async () => {
    const url = new URL(audioUrl);
    url.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    expect((await play(url.toString())).error).toBeDefined();
    expect((await play(`${server.url}${new URL(audioUrl).pathname}`)).error).toBeDefined();
  });
});
