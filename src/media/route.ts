import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../logger.ts';
import type { LinkSigner } from '../secrets/signed-links.ts';
import type { Database } from '../store/db.ts';
import type { AccountScope } from '../store/read-keys.ts';
import { findMediaItem, type MediaItem, type MediaKind } from '../store/media-reads.ts';
import { MediaRefusal } from './refusal.ts';
import type { MediaSource, MediaStream } from './source.ts';

/** The archive as the route reads it: the copy of an item's audio, or undefined when it holds none. */
export interface ArchivedMedia {
  open(item: MediaItem, range: string | undefined, signal: AbortSignal): Promise<MediaStream | undefined>;
}

export interface MediaRouteOptions {
  /** The API's database (statement-timed on Postgres). */
  database: Database;
  /** The API key check of /graphql (api/key-access.ts): the key's name and scope, or the 401/403 to send. */
  authenticate(req: IncomingMessage): Promise<{ name: string; scope: AccountScope } | { status: 401 | 403; code: string; message: string }>;
  /** Verifies signed links; undefined: only API keys open media. */
  signer: LinkSigner | undefined;
  /** RingCentral, or why this process cannot reach it (answered as 503 naming what to configure). */
  source: MediaSource | { unavailable: string };
  archive?: ArchivedMedia | undefined;
  logger: Logger;
  now?: () => Date;
}

/**
 * Downloads at once per process: each holds a socket to RingCentral and one to the caller for as long as the
 * slowest of them reads, so a page of players cannot take every socket. Past it: 503 with Retry-After.
 */
export const MAX_CONCURRENT_DOWNLOADS = 16;

/** /media/{kind}/{accountId}/{id}, or /media/{kind}/{id} as links were before they named the account. */
const PATH = /^\/media\/(voicemails|recordings)\/(?:([^/]+)\/)?([^/]+)$/;

/**
 * GET /media/voicemails/{accountId}/{id} and /media/recordings/{accountId}/{id}: the audio, opened with an
 * API key (Authorization: Bearer, as /graphql) of that account or a signed link (?exp=…&sig=…, GraphQL's
 * audioUrl). From the archive when it holds a copy, else streamed from RingCentral, Range included. Every
 * refusal is JSON naming the problem; an item outside the key's accounts is 404, as one that does not exist.
 * The older paths without the account (/media/voicemails/{id}) still open whatever item the id names within
 * the key's accounts (any account, for a signed link), unless it names one in two of them.
 */
export function createMediaRoute(options: MediaRouteOptions) {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  let active = 0;

  async function answer(req: IncomingMessage, res: ServerResponse, path: string, signal: AbortSignal): Promise<void> {
    if (req.method !== 'GET') throw new MediaRefusal(405, 'METHOD_NOT_ALLOWED', `${req.method} is not served here: use GET`);
    const match = PATH.exec(path);
    if (!match) throw new MediaRefusal(404, 'NOT_FOUND', `no such path: ${path}; media is at /media/voicemails/{id} and /media/recordings/{id}`);
    const kind = match[1] as MediaKind;
    const { cache, scope } = await authorize(req, path);
    const id = safeDecode(match[3]!);
    const accountId = match[2] === undefined ? undefined : safeDecode(match[2]);
    const noun = kind === 'voicemails' ? 'voicemail' : 'recording';
    if (!id || !/^\d{1,20}$/.test(id)) throw new MediaRefusal(404, 'NOT_FOUND', `no ${noun} has the id "${match[3]}": RingCentral's ids are numbers`);
    if (accountId === '') throw new MediaRefusal(404, 'NOT_FOUND', `no account has the id "${match[2]}"`);
    const item = await findMediaItem(options.database, scope, kind, id, accountId);
    if (!item) throw new MediaRefusal(404, 'NOT_FOUND', `callsync knows no ${noun} ${id}${accountId ? ` in account ${accountId}` : ''} (not synced yet, or not of an account this key reads)`);
    if (item === 'ambiguous') throw new MediaRefusal(409, 'AMBIGUOUS_ID', `${noun} id ${id} names a ${noun} in more than one account: open /media/${kind}/{accountId}/${id}, or ask GraphQL for a fresh audioUrl (it names the account)`);
    if (!item.readable) throw new MediaRefusal(404, 'NOT_READABLE', `callsync may not read the mailbox of voicemail ${id} (RingCentral CMN-419: the JWT user needs ReadMessages with extended scope, e.g. Super Admin), so it has no audio to give`);
    const range = singleRange(req.headers.range);
    const archived = await options.archive?.open(item, range, signal);
    if (archived) return send(res, archived, item, cache, signal);
    if (item.availability === 'Purged') throw new MediaRefusal(410, 'GONE', `voicemail ${id} was purged from RingCentral and callsync holds no copy of its audio (set MEDIA_ARCHIVE_DIR to keep copies)`);
    if ('unavailable' in options.source) throw new MediaRefusal(503, 'MEDIA_NOT_CONFIGURED', options.source.unavailable);
    if (active >= MAX_CONCURRENT_DOWNLOADS) throw new MediaRefusal(503, 'TOO_MANY_DOWNLOADS', `${MAX_CONCURRENT_DOWNLOADS} downloads are under way in this process; try again shortly`, 2);
    active++;
    try {
      return await send(res, await options.source.open(item, range, signal), item, cache, signal);
    } finally {
      active--;
    }
  }

  /**
   * The Cache-Control the answer may carry and the accounts it may come from, or a refusal: 401 without
   * credentials, 403 for a bad link or a key without a scope. A valid link opens its path (which names the
   * account) whatever the account: callsync signed it for a key that could read the item.
   */
  async function authorize(req: IncomingMessage, path: string): Promise<{ cache: string; scope: AccountScope }> {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    if (query.has('exp') || query.has('sig')) {
      if (!options.signer) throw new MediaRefusal(403, 'LINK_INVALID', 'this server does not accept signed links; send "Authorization: Bearer <key>"');
      const check = options.signer.verify(path, query.get('exp'), query.get('sig'), now());
      if (check.ok) return { cache: `private, max-age=${Math.max(0, Math.floor((check.expiresAt.getTime() - now().getTime()) / 1000))}`, scope: 'all' };
      if (check.reason === 'expired') throw new MediaRefusal(403, 'LINK_EXPIRED', `this link expired at ${new Date(Number(query.get('exp')) * 1000).toISOString()}: ask callsync for a fresh one (GraphQL audioUrl)`);
      throw new MediaRefusal(403, 'LINK_INVALID', 'this link is not one callsync signed for this path (altered, truncated or for another item): ask callsync for a fresh one (GraphQL audioUrl)');
    }
    const key = await options.authenticate(req);
    if ('status' in key) throw new MediaRefusal(key.status, key.code, key.status === 401 ? `${key.message}, or open a signed link (GraphQL audioUrl)` : key.message);
    return { cache: 'private, no-cache', scope: key.scope };
  }

  return {
    /** Answers one /media request; never throws. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
      const controller = new AbortController();
      // The caller hung up: stop RingCentral's download with it.
      res.once('close', () => controller.abort());
      try {
        await answer(req, res, path, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) return;
        const refusal = error instanceof MediaRefusal ? error : new MediaRefusal(503, 'MEDIA_UNAVAILABLE', 'the audio cannot be served right now; try again shortly', 30, { cause: error });
        if (refusal.status === 503 || !(error instanceof MediaRefusal)) logger.warn({ err: error, path }, 'media request refused');
        if (res.headersSent) return void res.destroy();
        const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
        if (refusal.retryAfterSec !== undefined) headers['retry-after'] = String(refusal.retryAfterSec);
        if (refusal.status === 401) headers['www-authenticate'] = 'Bearer realm="callsync"';
        res.writeHead(refusal.status, headers).end(JSON.stringify({ error: { code: refusal.code, message: refusal.message } }));
      }
    },
  };
}

/** Writes the stream's headers (only these: nothing else RingCentral said reaches the caller) and its bytes. */
async function send(res: ServerResponse, stream: MediaStream, item: MediaItem, cache: string, signal: AbortSignal): Promise<void> {
  const type = audioType(stream.contentType) ?? audioType(item.contentType) ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'accept-ranges': 'bytes',
    'cache-control': cache,
    'content-disposition': `inline; filename="${item.kind === 'voicemails' ? 'voicemail' : 'recording'}-${item.id}${extensionOf(type)}"`,
    'x-content-type-options': 'nosniff',
  };
  if (stream.contentLength !== undefined) headers['content-length'] = String(stream.contentLength);
  if (stream.status === 206 && stream.contentRange) headers['content-range'] = stream.contentRange;
  res.writeHead(stream.status, headers);
  try {
    await pipeline(stream.body, res, { signal });
  } catch {
    // The caller hung up or the source broke mid-file: the socket is closed; nothing more can be said.
    res.destroy();
  }
}

/** A Range of one span of bytes, passed on as written; anything else is ignored and the whole file sent (RFC 9110 §14.2). */
export function singleRange(header: string | undefined): string | undefined {
  const value = header?.trim();
  return value && /^bytes=(\d+-\d*|-\d+)$/.test(value) ? value : undefined;
}

function audioType(value: string | null | undefined): string | undefined {
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type && /^audio\/[\w.+-]+$/.test(type) ? type : undefined;
}

function extensionOf(type: string): string {
  if (type === 'audio/mpeg') return '.mp3';
  if (type === 'audio/wav' || type === 'audio/x-wav') return '.wav';
  return '';
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
