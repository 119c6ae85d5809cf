// GET …/extension/{extensionId}/message-sync (api-notes §4.3). FSync: the mailbox's messages created in
// [dateFrom, dateTo) (dateFrom defaults to a week before dateTo, as the guide says), newest first, at
// most recordCount with olderRecordsExist telling whether more exist. ISync: every message of the
// mailbox created or changed since the token, reaching back OVERLAP_MS before it like RingCentral does
// (so clients see some messages twice and must upsert); deleted and purged ones come back as
// {id, availability} only. No paging on sync. Bad, foreign, expired or invalidated tokens → MSG-333.

import type { SimContext } from './context.ts';
import { apiError, type ApiRequest, type ApiResponse } from './http.ts';
import { messageState, newestFirst, type MessageState, type StoredMessage } from './mailbox.ts';
import { messageJson, messageStub } from './message-render.ts';
import { dateParam, enumListParam, enumParam, intParam, stringParam } from './query.ts';
import { exactJson, isResponse, mailboxOf, messagesIn, MESSAGE_TYPES, type Mailbox } from './routes-message-store.ts';
import type { MessageJson, MessageStubJson } from './types-messages.ts';

const DAY = 24 * 60 * 60 * 1000;
/** How far an ISync reaches back before its token (the guide: "about 5 seconds"). */
export const OVERLAP_MS = 5_000;

const MSG_333 = 'Invalid message synchronisation request: full synchronization is required';

/** GET …/message-sync */
export function messageSync(ctx: SimContext, req: ApiRequest): ApiResponse {
  const box = mailboxOf(ctx, req);
  if (isResponse(box)) return box;
  const q = req.query;
  const syncType = enumParam(q, 'syncType', ['FSync', 'ISync'] as const) ?? 'FSync';
  const origin = ctx.world.ctx.origin;
  let types: string[] | undefined;
  let records: Array<MessageJson | MessageStubJson>;
  let olderRecordsExist = false;
  if (syncType === 'FSync') {
    types = enumListParam(q, 'messageType', MESSAGE_TYPES);
    const toMs = dateParam(q, 'dateTo') ?? req.now;
    const fromMs = dateParam(q, 'dateFrom') ?? toMs - 7 * DAY;
    const recordCount = intParam(q, 'recordCount', { min: 1 });
    let found = wantsVoicemail(types) ? messagesIn(ctx, box, fromMs, toMs, req.now) : [];
    if (recordCount !== undefined && found.length > recordCount) {
      olderRecordsExist = true;
      found = found.slice(0, recordCount);
    }
    records = found.map(({ m, s }) => messageJson(origin, ctx.company, m, s));
  } else {
    const token = stringParam(q, 'syncToken');
    const cursor = token === undefined ? undefined : ctx.messageSyncTokens.check(token, box.ext.id, req.now);
    if (!cursor) return apiError(400, 'MSG-333', MSG_333, { parameterName: 'syncToken', parameterValue: token ?? '' });
    types = cursor.types;
    const changed = wantsVoicemail(types) ? changedSince(ctx, box, cursor.position - OVERLAP_MS, req.now) : [];
    records = changed.map(({ m, s }) => (s.availability === 'Alive' ? messageJson(origin, ctx.company, m, s) : messageStub(m, s.availability)));
  }
  const syncToken = ctx.messageSyncTokens.issue({ mailboxId: box.ext.id, position: req.now, types }, req.now);
  return exactJson(200, {
    uri: req.url.toString(),
    records,
    syncInfo: { syncType, syncToken, syncTime: new Date(req.now).toISOString(), olderRecordsExist },
  });
}

function wantsVoicemail(types: readonly string[] | undefined): boolean {
  return !types || types.includes('VoiceMail');
}

/** Messages of the mailbox whose latest visible change lies after `after`, newest change first. */
function changedSince(ctx: SimContext, box: Mailbox, after: number, now: number): Array<{ m: StoredMessage; s: MessageState }> {
  if (!box.hasMailbox) return [];
  const out: Array<{ m: StoredMessage; s: MessageState }> = [];
  for (const m of ctx.world.mail.mailbox(box.ext.id)) {
    const s = messageState(m, now);
    if (s && s.lastModifiedMs > after) out.push({ m, s });
  }
  return out.sort((a, b) => b.s.lastModifiedMs - a.s.lastModifiedMs || newestFirst(a.m, b.m));
}
