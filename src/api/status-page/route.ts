import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../logger.ts';
import type { SecretKeyring } from '../../secrets/box.ts';
import { linkSigner } from '../../secrets/signed-links.ts';
import type { Database } from '../../store/db.ts';
import type { AccountScope } from '../../store/read-keys.ts';
import { errorBody } from '../graphql-plugins.ts';
import { admitKey, isRefusal, type KeyLookup, type KeyRefusal } from '../key-access.ts';
import type { createRequestGuard } from '../request-guard.ts';
import { escapeHtml } from './escape.ts';
import { STATUS_PAGE_PATH } from './link.ts';
import { renderStatusPage } from './render.ts';
import { readStatusSnapshot } from './snapshot.ts';

export interface StatusRouteOptions {
  /** The API's database (read-only role, statement timeout). */
  database: Database;
  /** The API's key lookup: the key's name and scope, or undefined. */
  lookUpKey: KeyLookup;
  /** The process's keyring (src/secrets/keys.ts); without it only API keys open the page. */
  keyring?: SecretKeyring | undefined;
  /** SYNC_FAST_PATH, to describe the call-log stream's fast path. */
  fastPath: 'extract-sync' | 'off';
  guard: ReturnType<typeof createRequestGuard>;
  logger: Logger;
}

/** Nothing may load from anywhere: the page is one document of HTML, inline CSS and inline SVG. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  // The signed link is in the URL: it must not travel on in a Referer, nor stay in a shared cache.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** The admission key every signed link's holder shares (API key names are looked up, never this). */
const LINK_HOLDERS = '(signed link)';

const MAKE_A_LINK = 'make a new one with `callsync status --link`';

/** Why the page is refused: 401 (no credentials, or a bad key) or 403 (a link that does not open it, a key without a scope). */
interface Refusal {
  status: 401 | 403;
  code: KeyRefusal['code'] | 'LINK_EXPIRED' | 'LINK_INVALID';
  message: string;
}

/** Who opens the page: the admission key it counts under, and the accounts it shows. */
interface Viewer {
  admission: string;
  scope: AccountScope;
}

/**
 * GET /status: the status page (src/api/status-page/render.ts), opened by `Authorization: Bearer <key>` or
 * by a signed link (`?exp=…&sig=…`, src/secrets/signed-links.ts) until it expires — a browser cannot send
 * a header when following a link. Under the API's request timeout and per-key admission: every holder of a
 * link shares one admission key, so links cannot take the API's connections from the CRMs.
 */
export function createStatusRoute(options: StatusRouteOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const signer = options.keyring ? linkSigner(options.keyring) : undefined;

  async function authenticate(req: IncomingMessage, query: URLSearchParams, now: Date): Promise<Viewer | Refusal> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      // An API key shows its own accounts only.
      const key = await admitKey(header, options.lookUpKey);
      return isRefusal(key) ? key : { admission: key.name, scope: key.scope };
    }
    const [exp, sig] = [query.get('exp'), query.get('sig')];
    if (exp === null && sig === null) {
      return { status: 401, code: 'UNAUTHENTICATED', message: 'this page needs an API key ("Authorization: Bearer <key>") or a signed link: make one with `callsync status --link`' };
    }
    if (!signer) return { status: 403, code: 'LINK_INVALID', message: 'this server accepts no signed links (it was started without a secret key): use an API key' };
    const check = signer.verify(STATUS_PAGE_PATH, exp, sig, now);
    // The operator's link (`callsync status --link`) shows every account.
    if (check.ok) return { admission: LINK_HOLDERS, scope: 'all' };
    if (check.reason === 'expired') return { status: 403, code: 'LINK_EXPIRED', message: `this link expired at ${new Date(Number(exp) * 1000).toISOString()}: ${MAKE_A_LINK}` };
    return { status: 403, code: 'LINK_INVALID', message: `this link is not valid (altered, cut short, or signed with another secret key): ${MAKE_A_LINK}` };
  }

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(errorBody('the status page is read with GET', 'METHOD_NOT_ALLOWED'));
      return;
    }
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    try {
      await options.guard.run(res, async ({ admit }) => {
        const now = new Date();
        const who = await authenticate(req, query, now);
        if ('status' in who) return refuse(req, res, who);
        if (!(await admit(who.admission))) return;
        const page = renderStatusPage(await readStatusSnapshot(options.database, who.scope, options.fastPath, now), now);
        if (res.headersSent) return; // answered already (503 past the request timeout)
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page), ...SECURITY_HEADERS });
        res.end(req.method === 'HEAD' ? undefined : page);
      });
    } catch (error) {
      options.logger.error({ err: error }, 'status page failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(errorBody('The status page could not be read; the server log says why.', 'INTERNAL_SERVER_ERROR'));
      else res.destroy();
    }
  };
}

/** The refusal as a short HTML page for a browser, as JSON (the API's error shape) for anything else. */
function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, ...(refusal.status === 401 ? { 'www-authenticate': 'Bearer realm="callsync"' } : {}) };
  if ((req.headers.accept ?? '').includes('text/html')) {
    const title = refusal.status === 401 ? 'Not signed in' : refusal.code === 'LINK_EXPIRED' ? 'Link expired' : refusal.code === 'KEY_NOT_SCOPED' ? 'Key not scoped' : 'Link not valid';
    res.writeHead(refusal.status, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>callsync status: ${title}</title></head><body><h1>${title}</h1><p>${escapeHtml(refusal.message)}</p></body></html>`);
    return;
  }
  res.writeHead(refusal.status, { ...headers, 'content-type': 'application/json' }).end(errorBody(refusal.message, refusal.code));
}
