// GET …/extension/{extensionId}/message-store (list), …/message-store/{messageId}[,…] (one, or 207
// multipart for several) and …/message-store/{messageId}/content/{attachmentId} (api-notes §4.1–4.2; with Range).
// Mailboxes are per extension. A Super Admin JWT user reads every extension's store; a lower role
// reads only its own, and any other extension's store answers 403 CMN-419 on every endpoint here
// (list, by id — a batch of ids too, as a whole: the path names one extension —, content, and
// message-sync), as does a mailbox named by the forbiddenMailboxes fault (permissions.ts). Users and
// departments (call queue, shared voicemail) have mailboxes; IVR menus and announcements have an
// empty store. Bodies are written int64-exact (int64-json.ts).

import { extensionOf, hasMailbox, type Ext } from './company.ts';
import type { SimContext } from './context.ts';
import { apiError, multipart, ParamError, type ApiRequest, type ApiResponse } from './http.ts';
import { stringifyExact } from './int64-json.ts';
import { messageState, type MessageState, type StoredMessage } from './mailbox.ts';
import { attachmentContent, messageJson } from './message-render.ts';
import { byteRange, rangeHeaders, rangeNotSatisfiable } from './byte-range.ts';
import { pageEnvelope } from './paging.ts';
import { cmn419, mayReadMailbox } from './permissions.ts';
import { dateParam, enumListParam, enumParam, intParam } from './query.ts';

const DAY = 24 * 60 * 60 * 1000;
export const MESSAGE_TYPES = ['Fax', 'SMS', 'VoiceMail', 'Pager', 'Text'] as const;
const AVAILABILITIES = ['Alive', 'Deleted', 'Purged'] as const;

export interface Mailbox {
  ext: Ext;
  /** False for extensions without a mailbox (IVR menu, announcement): their store is empty. */
  hasMailbox: boolean;
}

/**
 * The mailbox named by the path's {extensionId} ("~" = the JWT user): 404 CMN-102 when no such
 * extension exists, 403 CMN-419 when the JWT user may not read it.
 */
export function mailboxOf(ctx: SimContext, req: ApiRequest): Mailbox | ApiResponse {
  const param = req.params[1] ?? '';
  const ext = extensionOf(ctx.company, param);
  if (!ext) {
    return apiError(404, 'CMN-102', 'Resource for parameter [extensionId] is not found', { parameterName: 'extensionId', parameterValue: param });
  }
  if (!mayReadMailbox(ctx, ext)) return cmn419(ctx);
  return { ext, hasMailbox: hasMailbox(ext) };
}

export function isResponse(value: Mailbox | ApiResponse): value is ApiResponse {
  return 'status' in value;
}

/** An int64-exact JSON response. */
export function exactJson(status: number, body: unknown): ApiResponse {
  return { status, body: stringifyExact(body) };
}

/** Visible messages of the mailbox created in [fromMs, toMs), newest first, with their state now. */
export function messagesIn(ctx: SimContext, box: Mailbox, fromMs: number, toMs: number, now: number): Array<{ m: StoredMessage; s: MessageState }> {
  if (!box.hasMailbox) return [];
  const list = ctx.world.mail.mailbox(box.ext.id);
  const out: Array<{ m: StoredMessage; s: MessageState }> = [];
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i] as StoredMessage;
    if (m.creationMs >= toMs) continue;
    if (m.creationMs < fromMs) break;
    const s = messageState(m, now);
    if (s) out.push({ m, s });
  }
  return out;
}

/** GET …/message-store: voicemails created in [dateFrom, dateTo), newest first, paged like the call log. */
export function listMessages(ctx: SimContext, req: ApiRequest): ApiResponse {
  const box = mailboxOf(ctx, req);
  if (isResponse(box)) return box;
  const q = req.query;
  const types = enumListParam(q, 'messageType', MESSAGE_TYPES);
  // Deleted and purged messages are hidden unless asked for (api-notes §4.2).
  const availability = enumListParam(q, 'availability', AVAILABILITIES) ?? ['Alive'];
  const readStatus = enumListParam(q, 'readStatus', ['Read', 'Unread'] as const);
  const direction = enumListParam(q, 'direction', ['Inbound', 'Outbound'] as const);
  const toMs = dateParam(q, 'dateTo') ?? req.now;
  const fromMs = dateParam(q, 'dateFrom') ?? toMs - DAY;
  const perPage = intParam(q, 'perPage', { min: 1, clampTo: 1000, maxWord: true }) ?? 100;
  const page = intParam(q, 'page', { min: 1 }) ?? 1;
  // Voicemail is the only message type in this world, and it is always inbound.
  const none = (types && !types.includes('VoiceMail')) || (direction && !direction.includes('Inbound'));
  const matched = none
    ? []
    : messagesIn(ctx, box, fromMs, toMs, req.now).filter(({ s }) => availability.includes(s.availability) && (!readStatus || readStatus.includes(s.readStatus)));
  const offset = (page - 1) * perPage;
  const origin = ctx.world.ctx.origin;
  const records = matched.slice(offset, offset + perPage).map(({ m, s }) => messageJson(origin, ctx.company, m, s));
  const envelope = pageEnvelope({
    url: req.url,
    page,
    perPage,
    count: records.length,
    total: ctx.omitTotals ? undefined : matched.length,
    hasMore: matched.length > offset + perPage,
  });
  return exactJson(200, { uri: envelope.uri, records, paging: envelope.paging, navigation: envelope.navigation });
}

/** The message `id` of this mailbox as visible now, or undefined. */
function findMessage(ctx: SimContext, box: Mailbox, id: string, now: number): { m: StoredMessage; s: MessageState } | undefined {
  const m = ctx.world.mail.get(id);
  if (!m || !box.hasMailbox || m.mailbox !== box.ext) return undefined;
  const s = messageState(m, now);
  return s ? { m, s } : undefined;
}

function notFound(name: 'messageId' | 'attachmentId', value: string): ApiResponse {
  return apiError(404, 'CMN-102', `Resource for parameter [${name}] is not found`, { parameterName: name, parameterValue: value });
}

/** GET …/message-store/{messageId}; up to 50 comma-separated ids answer 207 multipart. */
export function getMessages(ctx: SimContext, req: ApiRequest): ApiResponse {
  const raw = req.params[2] ?? '';
  const ids = raw.split(',').filter((s) => s !== '');
  if (ids.length > 1) {
    // Counted before any refusal: the benchmark wants the batches a client sent.
    const batches = ctx.counters.messageBatches;
    batches.requests++;
    batches.ids += ids.length;
    batches.maxIds = Math.max(batches.maxIds, ids.length);
  }
  const box = mailboxOf(ctx, req);
  if (isResponse(box)) return box;
  if (ids.length === 0 || ids.length > 50) throw new ParamError('messageId', raw);
  for (const id of ids) if (!/^\d{1,19}$/.test(id)) throw new ParamError('messageId', id);
  const lookup = (id: string): ApiResponse => {
    const found = findMessage(ctx, box, id, req.now);
    if (!found) return notFound('messageId', id);
    return { status: 200, body: messageJson(ctx.world.ctx.origin, ctx.company, found.m, found.s) };
  };
  if (ids.length === 1) {
    const one = lookup(ids[0] as string);
    return exactJson(one.status, one.body);
  }
  return multipart(ids.map(lookup), stringifyExact);
}

/** GET …/message-store/{messageId}/content/{attachmentId}: the recording (or transcript) bytes. */
export function getMessageContent(ctx: SimContext, req: ApiRequest): ApiResponse {
  const box = mailboxOf(ctx, req);
  if (isResponse(box)) return box;
  const messageId = req.params[2] ?? '';
  const attachmentId = req.params[3] ?? '';
  const found = findMessage(ctx, box, messageId, req.now);
  if (!found) return notFound('messageId', messageId);
  // A purged message has lost its attachments (api-notes §8).
  const content = attachmentContent(found.m, found.s, attachmentId);
  if (!content) return notFound('attachmentId', attachmentId);
  const disposition = enumParam(req.query, 'contentDisposition', ['Inline', 'Attachment'] as const) ?? 'Inline';
  const size = content.body.length;
  const range = byteRange(req.headers.range, size);
  if ('unsatisfiable' in range) return rangeNotSatisfiable(size);
  const { status, headers } = rangeHeaders(range, size);
  return {
    status,
    body: 'whole' in range ? content.body : content.body.subarray(range.start, range.end + 1),
    headers: {
      ...headers,
      'Content-Type': content.contentType,
      'Content-Disposition': `${disposition.toLowerCase()}; filename="${content.fileName}"`,
    },
  };
}
