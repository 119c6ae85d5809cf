import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { parse, validate } from 'graphql';
import { renderGraphiQL as renderStockGraphiQL } from 'graphql-yoga';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_OWN, chromiumMissing, launchOfflineBrowser, type OfflineBrowser } from '../helpers/offline-browser.ts';
import { GRAPHIQL_OPTIONS } from '../../src/api/graphiql.ts';
import { servedSchema, startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { upsertCallPage } from '../../src/store/calls.ts';
import { entries, makeCallRecord } from '../builders.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';

const CALL_ID = 'GRAPHIQL00000001';

let testDb: TestDatabase;
let server: ApiServer;
let key: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = testDb.database.db;
  await db.transaction((tx) => upsertCallPage(tx, '37439510', entries(makeCallRecord({ id: CALL_ID }))));
  key = await createApiKey(db, 'graphiql');
  server = await startApiServer({ database: testDb.database, port: 0, logger: silentLogger });
});

afterAll(async () => {
  await server?.close();
  await testDb?.drop();
});

/**
 * Places in a text that would make a browser LOAD something from another origin: an absolute or
 * protocol-relative URL given to src=/href= (HTML), url()/@import (CSS), fetch/import/importScripts/Worker/
 * WebSocket…, or a quoted URL of a script, style, font or image. URLs in licence comments, XML namespaces and
 * error texts load nothing and are not counted.
 */
function externalLoads(text: string, kind: 'html' | 'css' | 'js'): string[] {
  const attributes = kind === 'html' ? 'src|href|srcset|action|poster|data' : 'src|srcset|action|poster|data';
  const load = new RegExp(
    String.raw`(?:\b(?:fetch|importScripts|import|Worker|SharedWorker|EventSource|WebSocket|sendBeacon)\s*\(\s*|\b(?:${attributes})\s*[:=]\s*|@import\s+|url\(\s*)["'\x60]?(?:(?:https?|wss?):)?//[^"'\x60)\s>]*`,
    'gi',
  );
  const asset = /["'`](?:https?:)?\/\/[^"'`\s]+\.(?:m?js|css|wasm|woff2?|ttf|otf|ico|png|svg)["'`]/gi;
  return [...text.matchAll(load), ...text.matchAll(asset)].map((m) => m[0]);
}

/** The same-origin files the page refers to: its src/href attributes and the editor workers' URLs. */
function referencedFiles(page: string): string[] {
  const attributes = [...page.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  const workers = Object.values(JSON.parse(/const workerUrls = (\{.*\});/.exec(page)![1]!) as Record<string, string>);
  return [...attributes, ...workers];
}

const pageUrl = () => `${server.url}/graphql`;
const getPage = () => fetch(pageUrl(), { headers: { accept: 'text/html' } });

describe(`GraphiQL, served by callsync alone (${databaseKind})`, () => {
  it('the scan finds what yoga’s stock page loads from its CDN (so a clean result means something)', () => {
    const found = externalLoads(renderStockGraphiQL({}), 'html');
    expect(found.some((m) => m.includes('yoga-graphiql.umd.js'))).toBe(true);
    expect(found.some((m) => m.includes('graphiql.css'))).toBe(true);
    expect(found.some((m) => m.includes('json.worker'))).toBe(true);
  });

  it('serves the page to a browser without a key, with the example query and the Authorization header to fill in', async () => {
    const res = await getPage();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    const options = JSON.parse(/const options = (\{.*\});/.exec(page)![1]!) as typeof GRAPHIQL_OPTIONS;
    expect(options.defaultQuery).toContain('query LatestCalls');
    expect(options.defaultQuery).toContain('callsync api-key create --name NAME');
    expect(JSON.parse(options.defaultHeaders!)).toEqual({ Authorization: 'Bearer <your API key>' });
  });

  it('offers an example query that is valid against the served schema', () => {
    expect(validate(servedSchema(), parse(GRAPHIQL_OPTIONS.defaultQuery!))).toEqual([]);
  });

  it('refers only to files on this server, and none of them loads anything from another origin', async () => {
    const page = await (await getPage()).text();
    expect(externalLoads(page, 'html')).toEqual([]);
    const files = referencedFiles(page);
    expect(files.length).toBe(6); // favicon, stylesheet, script, three editor workers
    for (const file of files) {
      expect(file).toMatch(/^\.\/graphiql\/[\w.-]+$/);
      const res = await fetch(new URL(file, pageUrl()));
      expect(res.status, file).toBe(200);
      const type = res.headers.get('content-type') ?? '';
      if (type.startsWith('image/')) continue;
      expect(type).toMatch(/^text\/(javascript|css)/);
      expect(externalLoads(await res.text(), type.startsWith('text/css') ? 'css' : 'js'), file).toEqual([]);
    }
  });

  it('lets browsers cache the files: immutable names, ETag answered with 304, gzip when accepted', async () => {
    const page = await (await getPage()).text();
    const script = new URL(referencedFiles(page).find((f) => f.endsWith('.js') && f.includes('/graphiql.'))!, pageUrl());
    const plain = await fetch(script, { headers: { 'accept-encoding': 'identity' } });
    const body = Buffer.from(await plain.arrayBuffer());
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = plain.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(script.pathname).toContain(etag.slice(1, -1));

    const again = await fetch(script, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    // node's fetch would unpack the body itself: ask over plain http to see what is on the wire.
    const zipped = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      request(script, { headers: { 'accept-encoding': 'gzip, deflate' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) })).on('error', reject);
      }).on('error', reject).end();
    });
    expect(zipped.encoding).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(body.length);
    expect(gunzipSync(zipped.body).equals(body)).toBe(true);
  });

  it('answers an unknown GraphiQL file with 404 and a write with 405', async () => {
    const missing = await fetch(`${server.url}/graphiql/graphiql.0000000000000000.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/no such GraphiQL file/);
    const page = await (await getPage()).text();
    const post = await fetch(new URL(referencedFiles(page)[0]!, pageUrl()), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
  });
});

describe.skipIf(chromiumMissing)(`GraphiQL in headless Chromium, no network but loopback (${databaseKind}; needs ${CHROMIUM} or CHROMIUM_PATH)`, () => {
  let browser: OfflineBrowser;
  let context: BrowserContext;
  let page: Page;
  let requests: string[];
  let trapped: string[];
  const failed: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchOfflineBrowser('graphiql');
    ({ context, requests, trapped } = browser);
    context.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders GraphiQL with the example query and the header template, and says the schema needs a key', async () => {
    await page.goto(pageUrl());
    await page.locator('.graphiql-query-editor .view-lines').getByText('query LatestCalls').waitFor({ timeout: 120_000 });
    // GraphiQL's own record of its editors (written shortly after it starts): the whole query, not just what is on screen.
    const stored = await page.waitForFunction(() => localStorage.getItem('graphiql:tabState'), undefined, { timeout: 120_000 });
    const tabs = JSON.parse((await stored.jsonValue())!) as { tabs: Array<{ query: string; headers: string }> };
    expect(tabs.tabs[0]!.query).toBe(GRAPHIQL_OPTIONS.defaultQuery);
    expect(tabs.tabs[0]!.headers).toBe(GRAPHIQL_OPTIONS.defaultHeaders);
    await page.getByRole('button', { name: /Show Documentation Explorer/ }).click();
    await page.getByText('Error fetching schema').waitFor({ timeout: 120_000 });
  });

  it('loads the schema once a key is pasted into the headers, without a reload, and runs the example query', async () => {
    await page.getByText('Headers', { exact: true }).click();
    await page.locator('.graphiql-editor-tool .monaco-editor').last().click();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.evaluate((text) => navigator.clipboard.writeText(text), JSON.stringify({ Authorization: `Bearer ${key}` }));
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+V');
    // The doc explorer lists the schema's root type once introspection with the key succeeded.
    await page.locator('.graphiql-doc-explorer').getByText('Root Types').waitFor({ timeout: 120_000 });
    expect(await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).isVisible()).toBe(true);

    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('LatestCalls'), { timeout: 120_000 });
    await page.getByRole('button', { name: /Execute query/ }).click();
    const body = (await (await answer).json()) as { data?: { calls: { edges: Array<{ node: { id: string; disposition: string } }> } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data!.calls.edges.map((e) => e.node.id)).toEqual([CALL_ID]);
    expect(body.data!.calls.edges[0]!.node).toHaveProperty('disposition');
    await page.locator('.graphiql-response').getByText(CALL_ID).waitFor({ timeout: 120_000 });
  });

  it('loaded nothing from outside this server, and the page raised no error', async () => {
    // Chromium itself calls Google's services (updates, sign-in, autofill) whatever the flags; those are not
    // the page's. Any other host in the trap would be a load that even the request log below missed.
    expect(trapped.filter((target) => !CHROMIUM_OWN.test(target))).toEqual([]);
    const origin = new URL(server.url).origin;
    const outside = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(outside).toEqual([]);
    expect(failed).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The page, its script and stylesheet, and the editor workers came from here.
    expect(requests.filter((url) => url.includes('/graphiql/')).length).toBeGreaterThanOrEqual(5);

    // The trap does see what leaves loopback (a name that exists nowhere, answered by the trap itself).
    const probe = await context.newPage();
    await probe.goto('http://callsync-graphiql-check.invalid/').catch(() => undefined);
    await probe.close();
    expect(trapped).toContain('http://callsync-graphiql-check.invalid/');
  });
});
