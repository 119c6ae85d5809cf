import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium, or CHROMIUM_PATH: browser tests run where one is installed and say they skip otherwise. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);

/** Hosts (as an http proxy sees them: a URL, or host:port for https) of Chromium's own background services. */
export const CHROMIUM_OWN = /^(?:https?:\/\/)?[\w.-]*\b(?:google|googleapis|gstatic)\.com(?:[:/]|$)/;

/** What a page (not Chromium's own updater and sign-in services) tried to send beyond loopback. */
export const trappedByPages = (browser: OfflineBrowser) => browser.trapped.filter((target) => !CHROMIUM_OWN.test(target));

export interface OfflineBrowser {
  context: BrowserContext;
  /** Every URL the pages asked for. */
  requests: string[];
  /** What the browser tried to send beyond loopback (it went no further). */
  trapped: string[];
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile that reaches loopback only: everything else goes to a local trap
 * proxy (which records and refuses it) and no name resolves but 127.0.0.1, so a file from another origin
 * cannot load and an attempt is seen.
 */
export async function launchOfflineBrowser(name: string): Promise<OfflineBrowser> {
  const trapped: string[] = [];
  const requests: string[] = [];
  const trap: Server = createServer((req, res) => {
    trapped.push(req.url ?? '');
    res.writeHead(502).end();
  }).on('connect', (req, socket) => {
    trapped.push(req.url ?? '');
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  const profile = mkdtempSync(join(tmpdir(), `callsync-${name}-chromium-`));
  const close = async () => {
    rmSync(profile, { recursive: true, force: true });
    await new Promise((resolve) => trap.close(resolve));
  };
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--proxy-server=http://127.0.0.1:${(trap.address() as AddressInfo).port}`, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    context.on('request', (r) => requests.push(r.url()));
    return {
      context, requests, trapped,
      async close() {
        await context.close();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
