import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumMissing, launchOfflineBrowser, type OfflineBrowser } from '../helpers/offline-browser.ts';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { chartPeriod, MAX_EXTENSION_BARS } from '../../src/api/status-page/snapshot.ts';
import { registerStatus } from '../../src/cli/commands/status.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { syncAll } from '../../src/main.ts';
import { SecretKey, secretKeyring } from '../../src/secrets/box.ts';
import { authSessionKeyring } from '../../src/secrets/keys.ts';
import { linkSigner, signedPath } from '../../src/secrets/signed-links.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { runCommandInProcess } from '../helpers/cli.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * GET /status after a sync against the simulator: who may open it (an API key, or a signed link until it
 * expires), that it is one self-contained document with every value escaped, and that its charts draw
 * exactly dispositionSummary's numbers — in a real browser with the network cut off, where Chromium is installed.
 */

const HOSTILE_NAME = '<script>alert("x")</script> & Co\'s';
const HOSTILE_ERROR = '<img src=x onerror=alert(1)> failed';

let harness: Harness;
let server: ApiServer;
let key: string;
let signer: ReturnType<typeof linkSigner>;

beforeAll(async () => {
  harness = await startHarness({ seed: 1212, history: history(300, 3, 30 * 60_000) });
  const app = await harness.app();
  harness.sim.release();
  for (const r of await syncAll(app)) expect(r.error, r.stream).toBeUndefined();
  const { database } = harness.testDb;
  // User data that is markup: the busiest extension's name, and a stream's last error.
  await database.query(sql`update extensions set name = ${HOSTILE_NAME} where id = (
    select d.extension_id from call_dispositions d where d.extension_id is not null group by 1 order by count(*) desc, 1 limit 1)`);
  await database.query(sql`update sync_state set last_error = ${HOSTILE_ERROR} where stream = 'extensions'`);
  key = await createApiKey(database.db, 'ops');
  // The keyring `callsync status --link` signs with, for the same configuration.
  const keyring = authSessionKeyring(loadConfig(harness.env), silentLogger);
  signer = linkSigner(keyring);
  server = await startApiServer({ database, port: 0, logger: silentLogger, keyring });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
const link = (expiresAt: Date, path = '/status') => signedPath(signer, path, expiresAt);
const inAnHour = () => new Date(Date.now() + 3_600_000);

interface DrawnBar {
  key: string;
  total: number;
  counts: Record<string, number>;
}

/** The bars of one figure, as drawn: each bar's key and its segments' counts (from the data-* attributes). */
function drawnBars(page: string, figure: string): DrawnBar[] {
  const svg = new RegExp(`<figure id="${figure}">(.*?)</figure>`, 's').exec(page)![1]!;
  return [...svg.matchAll(/<g class="bar" data-key="([^"]*)" data-total="(\d+)">(.*?)<\/g>/gs)].map((m) => ({
    key: m[1]!,
    total: Number(m[2]),
    counts: Object.fromEntries([...m[3]!.matchAll(/data-disposition="([^"]+)" data-count="(\d+)"/g)].map((s) => [s[1]!, Number(s[2])])),
  }));
}

/** dispositionSummary through GraphQL over the page's period, as per-key counts. */
async function summary(page: string, dimension: 'DAY' | 'EXTENSION'): Promise<Map<string, Record<string, number>>> {
  const asOf = new Date(/As of <time datetime="([^"]+)"/.exec(page)![1]!);
  const { from, to } = chartPeriod(asOf);
  const query = `{ dispositionSummary(from: "${from.toISOString()}", to: "${to.toISOString()}", groupBy: [${dimension}]) { day extensionId disposition count } }`;
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
  const rows = ((await res.json()) as { data: { dispositionSummary: Array<{ day: string | null; extensionId: string | null; disposition: string; count: number }> } }).data.dispositionSummary;
  const byKey = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const k = (dimension === 'DAY' ? r.day : r.extensionId) ?? '';
    byKey.set(k, { ...byKey.get(k), [r.disposition]: r.count });
  }
  return byKey;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);

describe(`GET /status (${databaseKind})`, () => {
  it('without a key or link: 401, explained in HTML to a browser and in JSON to anything else', async () => {
    const browser = await get('/status', { accept: 'text/html,application/xhtml+xml' });
    expect(browser.status).toBe(401);
    expect(browser.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await browser.text()).toContain('callsync status --link');
    const plain = await get('/status');
    expect(plain.status).toBe(401);
    expect(plain.headers.get('www-authenticate')).toBe('Bearer realm="callsync"');
    expect(((await plain.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect((await get('/status', { authorization: 'Bearer not-a-key' })).status).toBe(401);
  });

  it('opens with an API key: every stream with its health, the day\'s runs, both charts', async () => {
    const res = await get('/status', { authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await res.text();
    for (const stream of ['call-log', 'extensions', 'voicemails', 'derive']) expect(page).toContain(`data-stream="${stream}" data-health="`);
    expect(page).toContain('data-stream="call-log" data-health="ok"');
    expect(page).toContain('data-stream="extensions" data-health="warning"'); // the error set above, after a success
    expect(page).toMatch(/<table id="runs">.*<tr class="run success">/s);
    expect(drawnBars(page, 'chart-days').length).toBeGreaterThan(0);
    expect(drawnBars(page, 'chart-extensions').length).toBeGreaterThan(0);
  });

  it('opens with a signed link and no key until the link expires; an expired or altered link is refused with 403', async () => {
    const good = link(inAnHour());
    expect((await get(good)).status).toBe(200);
    const expired = await get(link(new Date(Date.now() - 1000)), { accept: 'text/html' });
    expect(expired.status).toBe(403);
    const expiredText = await expired.text();
    expect(expiredText).toContain('Link expired');
    expect(expiredText).toContain('make a new one with `callsync status --link`');
    const { exp, sig } = Object.fromEntries(new URL(good, server.url).searchParams) as { exp: string; sig: string };
    const altered = [
      `/status?exp=${Number(exp) + 3600}&sig=${sig}`, // a longer life
      `/status?exp=${exp}&sig=${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`, // another signature
      `/status?exp=${exp}`, // half a link
      link(inAnHour(), '/media/voicemails/1').replace('/media/voicemails/1', '/status'), // another path's link
      signedPath(linkSigner(secretKeyring([new SecretKey(randomBytes(32))], 'another')), '/status', inAnHour()), // another server's
    ];
    for (const path of altered) {
      const res = await get(path);
      expect(res.status, path).toBe(403);
      const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]!.extensions.code, path).toBe('LINK_INVALID');
      expect(body.errors[0]!.message, path).toContain('make a new one');
    }
  });

  it('`callsync status --link --hours 2` prints an absolute link at HOST:PORT that opens the page for two hours', async () => {
    const before = Date.now();
    const result = await runCommandInProcess(registerStatus, ['status', '--link', '--hours', '2'], { ...harness.env, PORT: '8123' });
    expect(result.status).toBe(0);
    const url = new URL(result.stdout.trim());
    expect(url.origin).toBe('http://127.0.0.1:8123');
    expect(url.pathname).toBe('/status');
    const exp = Number(url.searchParams.get('exp')) * 1000;
    expect(exp).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 1000);
    expect((await get(`${url.pathname}${url.search}`)).status).toBe(200);
    expect((await runCommandInProcess(registerStatus, ['status', '--link', '--hours', '1000'], harness.env)).stderr).toContain('--hours must be a whole number from 1 to 168');
  });

  it('is one document: no script, no stylesheet, image or anything else to load, no other origin', async () => {
    const page = await (await get(link(inAnHour()))).text();
    const tags = page.match(/<[a-z][^>]*>/gi)!;
    expect(tags.length).toBeGreaterThan(100);
    expect(tags.filter((tag) => /^<(?:script|link|img|image|iframe|object|embed|base|form|use|foreignObject)\b/i.test(tag))).toEqual([]);
    expect(tags.filter((tag) => /\s(?:src|href|srcset|action|poster|xlink:href|data)\s*=/i.test(tag))).toEqual([]);
    const styles = [...page.matchAll(/<style>(.*?)<\/style>|\sstyle="([^"]*)"/gs)].map((m) => m[1] ?? m[2]!);
    expect(styles.length).toBeGreaterThan(1);
    for (const css of styles) expect(css).not.toMatch(/url\(|@import/i);
    expect(page).not.toMatch(/(?:https?:|wss?:)?\/\/[\w.-]/i);
  });

  it('escapes user data: an extension named like a script and an error holding markup are shown as text', async () => {
    const page = await (await get(link(inAnHour()))).text();
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt; failed');
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
  });

  it("draws dispositionSummary's numbers: one bar per day and per extension, each disposition's count as the API answers it", async () => {
    const page = await (await get(link(inAnHour()))).text();
    const byDay = await summary(page, 'DAY');
    const days = drawnBars(page, 'chart-days');
    expect(days.map((b) => b.key)).toEqual([...byDay.keys()].sort());
    for (const bar of days) {
      expect(bar.counts, bar.key).toEqual(byDay.get(bar.key));
      expect(bar.total).toBe(total(bar.counts));
    }
    const byExtension = await summary(page, 'EXTENSION');
    const extensions = drawnBars(page, 'chart-extensions');
    expect(byExtension.size).toBeGreaterThan(1);
    const alone = extensions.filter((b) => b.key !== '*');
    expect(alone.length).toBe(Math.min(byExtension.size, MAX_EXTENSION_BARS));
    for (const bar of alone) expect(bar.counts, bar.key).toEqual(byExtension.get(bar.key));
    // Whatever is not drawn alone is in the one bar of the rest: every call is drawn once.
    expect(extensions.reduce((n, b) => n + b.total, 0)).toBe([...byExtension.values()].reduce((n, c) => n + total(c), 0));
    expect(alone.map((b) => b.total)).toEqual([...alone.map((b) => b.total)].sort((a, b) => b - a));
  });
});

describe.skipIf(chromiumMissing)(`/status in headless Chromium, no network but loopback (${databaseKind}; needs ${CHROMIUM} or CHROMIUM_PATH)`, () => {
  let browser: OfflineBrowser;
  let context: BrowserContext;
  let requests: string[];
  let trapped: string[];

  beforeAll(async () => {
    browser = await launchOfflineBrowser('status');
    ({ context, requests, trapped } = browser);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens from a signed link, draws a visible bar per day and per extension, and shows the hostile name as text', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const response = await page.goto(`${server.url}${link(inAnHour())}`, { waitUntil: 'load' });
    expect(response!.status()).toBe(200);
    const html = await response!.text();

    for (const [figure, dimension] of [['chart-days', 'DAY'], ['chart-extensions', 'EXTENSION']] as const) {
      const expected = await summary(html, dimension);
      const sizes = await page.locator(`#${figure} svg g.bar`).evaluateAll((bars) => bars.map((bar) => {
        const box = (bar as SVGGraphicsElement).getBBox();
        const rects = [...bar.querySelectorAll('rect')].map((r) => r.getBoundingClientRect());
        return { width: box.width, height: box.height, rects: rects.length, painted: rects.filter((r) => r.width > 0 && r.height > 0).length };
      }));
      expect(sizes.length, figure).toBe(dimension === 'DAY' ? expected.size : Math.min(expected.size, MAX_EXTENSION_BARS) + (expected.size > MAX_EXTENSION_BARS ? 1 : 0));
      for (const size of sizes) {
        expect(size.width, figure).toBeGreaterThan(0);
        expect(size.height, figure).toBeGreaterThan(0);
        expect(size.painted, figure).toBeGreaterThan(0);
      }
      const svg = await page.locator(`#${figure} svg`).boundingBox();
      expect(svg!.width * svg!.height, figure).toBeGreaterThan(0);
    }
    expect(await page.locator('#chart-extensions svg text', { hasText: '108 <script>alert("x")' }).count()).toBe(1);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(errors).toEqual([]);
  });

  it('loaded nothing but the page itself', () => {
    expect(requests).toEqual([expect.stringMatching(new RegExp(`^${server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/status\\?exp=`))]);
    // Chromium's own background calls to Google's services may reach the trap; nothing else may.
    expect(trapped.filter((target) => !/\b(?:google|googleapis|gstatic)\.com/.test(target))).toEqual([]);
  });
});
