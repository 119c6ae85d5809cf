import { MalformedPayloadError, RingCentralApiError } from '../errors.ts';
import type { RingCentralClient, RequestMeter } from './client.ts';
import { navigationSchema, parseCallLogRecords, parseExtensions, parseMessages, type CallLogEntry, type ExtensionRecord, type MessageEntry } from './payloads.ts';

/**
 * The RingCentral endpoints callsync calls, behind a narrow interface: sync code depends on `RingCentralApi`,
 * which the SDK-backed client implements (and which tests can drive with recorded pages).
 */
export interface RingCentralApi {
  account(meter: RequestMeter, signal?: AbortSignal): Promise<AccountInfo>;
  callLogPage(query: CallLogPageQuery, meter: RequestMeter, signal?: AbortSignal): Promise<CallLogPage>;
  extractSync(query: ExtractSyncQuery, meter: RequestMeter, signal?: AbortSignal): Promise<ExtractSyncPage>;
  extensionsPage(page: number, meter: RequestMeter, signal?: AbortSignal): Promise<ExtensionsPage>;
  messageSync(extensionId: string, query: MessageSyncQuery, meter: RequestMeter, signal?: AbortSignal): Promise<MessageSyncPage>;
  voicemailPage(extensionId: string, query: VoicemailPageQuery, meter: RequestMeter, signal?: AbortSignal): Promise<VoicemailPage>;
  /** Several messages of one mailbox in one request (207 multipart); one answer per id, in order. */
  messages(extensionId: string, messageIds: string[], meter: RequestMeter, signal?: AbortSignal): Promise<MessageAnswer[]>;
  /** The JWT user's own extension (`extension/~`). */
  ownExtension(meter: RequestMeter, signal?: AbortSignal): Promise<{ id: string }>;
  /** Whether the JWT user holds `permissionId` for `targetExtensionId` (authz-profile/check). */
  checkPermission(permissionId: string, targetExtensionId: string, meter: RequestMeter, signal?: AbortSignal): Promise<boolean>;
  /** One extension's details (`extension/{id}`, `~` for the JWT user): who it is, and its account. */
  extensionDetails(extensionId: string, meter: RequestMeter, signal?: AbortSignal): Promise<ExtensionDetails>;
  /** The first page of a mailbox's live messages of any type, newest first (message-store list). */
  messageList(extensionId: string, query: MessageListQuery, meter: RequestMeter, signal?: AbortSignal): Promise<MessageEntry[]>;
  /** A text attachment (a voicemail's AudioTranscription) by its content URI: …/message-store/{id}/content/{attachmentId}. */
  attachmentText(contentUri: string, meter: RequestMeter, signal?: AbortSignal): Promise<string>;
}

export interface ExtensionDetails {
  id: string;
  name: string | null;
  extensionNumber: string | null;
  type: string | null;
  status: string | null;
  /** The account the extension belongs to, when the answer names it. */
  accountId: string | null;
  /** permissions.admin.enabled: whether the user holds an administrator role; undefined when not told. */
  admin: boolean | undefined;
}

export interface MessageListQuery {
  dateFrom: Date;
  dateTo: Date;
  perPage: number;
}

/** One id's answer in a batch read: the message, gone (404: purged or pushed out by the cap), or refused. */
export type MessageAnswer =
  | { id: string; kind: 'found'; entry: MessageEntry }
  | { id: string; kind: 'gone'; availability: string }
  | { id: string; kind: 'error'; error: RingCentralApiError };

/** Ids per batch read. RingCentral documents batch reads of messages but no maximum; 30 is its usual batch cap. */
export const MESSAGE_BATCH_SIZE = 30;

export type MessageSyncQuery = { syncToken: string } | { dateFrom: Date; recordCount: number };

export interface MessageSyncPage {
  entries: MessageEntry[];
  syncToken: string;
  olderRecordsExist: boolean;
}

export interface VoicemailPageQuery {
  dateFrom: Date;
  dateTo: Date;
  page: number;
}

export interface VoicemailPage {
  entries: MessageEntry[];
  nextPage: number | undefined;
}

export interface AccountInfo {
  id: string;
  name: string | null;
  mainNumber: string | null;
  raw: unknown;
}

export interface CallLogPageQuery {
  dateFrom: Date;
  dateTo: Date;
  page: number;
  perPage: number;
}

export interface CallLogPage {
  entries: CallLogEntry[];
  /** The next page's number when navigation.nextPage exists. */
  nextPage: number | undefined;
  totalElements: number | undefined;
}

export type ExtractSyncQuery = { syncToken: string } | { dateFrom: Date; recordCount: number };

export interface ExtractSyncPage {
  entries: CallLogEntry[];
  syncToken: string;
  syncTime: Date | undefined;
  newerRecordsExist: boolean;
}

export interface ExtensionsPage {
  records: ExtensionRecord[];
  nextPage: number | undefined;
}

const ACCOUNT = '/restapi/v1.0/account/~';

/** RingCentral's maximum page size for call-log and extension lists. */
export const MAX_PER_PAGE = 1000;

export function ringCentralApi(client: RingCentralClient): RingCentralApi {
  return {
    async account(meter, signal) {
      const body = (await client.get(ACCOUNT, {}, 'Light', meter, signal)) as Record<string, unknown>;
      if (body.id === undefined || body.id === null) throw new MalformedPayloadError('GET /account/~: the answer has no "id"');
      const service = body.serviceInfo as { brand?: { name?: string } } | undefined;
      return {
        id: String(body.id),
        name: typeof body.name === 'string' ? body.name : (service?.brand?.name ?? null),
        mainNumber: typeof body.mainNumber === 'string' ? body.mainNumber : null,
        raw: body,
      };
    },

    async callLogPage({ dateFrom, dateTo, page, perPage }, meter, signal) {
      const where = `call-log ${dateFrom.toISOString()}..${dateTo.toISOString()} page ${page}`;
      const body = (await client.get(`${ACCOUNT}/call-log`, {
        view: 'Detailed',
        showDeleted: true,
        dateFrom: dateFrom.toISOString(),
        dateTo: dateTo.toISOString(),
        perPage,
        page,
      }, 'Heavy', meter, signal)) as Record<string, unknown>;
      const entries = parseCallLogRecords(body.records, where);
      const paging = body.paging as { totalElements?: number } | undefined;
      return { entries, nextPage: nextPageNumber(body.navigation, page, entries.length, where), totalElements: paging?.totalElements };
    },

    async extractSync(query, meter, signal) {
      // Only what the spec lists for each sync type (api-notes §2.5, §11): recordCount is FSync-only, and
      // `view` on ISync is undocumented — the token carries the view FSync chose.
      const params = 'syncToken' in query
        ? { syncType: 'ISync', syncToken: query.syncToken }
        : { syncType: 'FSync', dateFrom: query.dateFrom.toISOString(), recordCount: query.recordCount, view: 'Detailed' };
      const where = `call-log-extract-sync ${params.syncType}`;
      const body = (await client.get(`${ACCOUNT}/call-log-extract-sync`, params, 'Heavy', meter, signal)) as Record<string, unknown>;
      const info = body.syncInfo as { syncToken?: unknown; syncTime?: unknown; newerRecordsExist?: unknown } | undefined;
      if (!info || typeof info.syncToken !== 'string' || info.syncToken === '') {
        throw new MalformedPayloadError(`${where}: the answer has no syncInfo.syncToken`);
      }
      const syncTime = typeof info.syncTime === 'string' && !Number.isNaN(Date.parse(info.syncTime)) ? new Date(info.syncTime) : undefined;
      return {
        entries: parseCallLogRecords(body.records, where),
        syncToken: info.syncToken,
        syncTime,
        newerRecordsExist: info.newerRecordsExist === true,
      };
    },

    async extensionsPage(page, meter, signal) {
      const where = `extension list page ${page}`;
      const body = (await client.get(`${ACCOUNT}/extension`, { perPage: MAX_PER_PAGE, page }, 'Medium', meter, signal)) as Record<string, unknown>;
      const records = parseExtensions(body.records, where);
      return { records, nextPage: nextPageNumber(body.navigation, page, records.length, where) };
    },

    async messageSync(extensionId, query, meter, signal) {
      const params = 'syncToken' in query
        ? { syncType: 'ISync', syncToken: query.syncToken }
        : { syncType: 'FSync', messageType: ['VoiceMail'], dateFrom: query.dateFrom.toISOString(), recordCount: query.recordCount };
      const where = `message-sync ${params.syncType} of mailbox ${extensionId}`;
      const body = (await client.get(`${ACCOUNT}/extension/${extensionId}/message-sync`, params, 'Light', meter, signal)) as Record<string, unknown>;
      const info = body.syncInfo as { syncToken?: unknown; olderRecordsExist?: unknown } | undefined;
      if (!info || typeof info.syncToken !== 'string' || info.syncToken === '') {
        throw new MalformedPayloadError(`${where}: the answer has no syncInfo.syncToken`);
      }
      // ISync does not filter by type: faxes and texts come too, and are not ours to store.
      const entries = parseMessages(body.records, where).filter((e) => e.kind === 'tombstone' || e.message.type === 'VoiceMail');
      return { entries, syncToken: info.syncToken, olderRecordsExist: info.olderRecordsExist === true };
    },

    async voicemailPage(extensionId, { dateFrom, dateTo, page }, meter, signal) {
      const where = `message-store of mailbox ${extensionId} page ${page}`;
      const body = (await client.get(`${ACCOUNT}/extension/${extensionId}/message-store`, {
        messageType: ['VoiceMail'],
        availability: ['Alive', 'Deleted', 'Purged'],
        dateFrom: dateFrom.toISOString(),
        dateTo: dateTo.toISOString(),
        perPage: MAX_PER_PAGE,
        page,
      }, 'Light', meter, signal)) as Record<string, unknown>;
      const entries = parseMessages(body.records, where);
      return { entries, nextPage: nextPageNumber(body.navigation, page, entries.length, where) };
    },

    async messages(extensionId, messageIds, meter, signal) {
      if (messageIds.length === 0) return [];
      const where = `messages ${messageIds.length === 1 ? messageIds[0] : `${messageIds[0]}…(${messageIds.length})`} of mailbox ${extensionId}`;
      const path = `${ACCOUNT}/extension/${extensionId}/message-store/${messageIds.join(',')}`;
      let parts: Array<{ status: number; body: unknown }>;
      try {
        parts = await client.getParts(path, {}, 'Light', meter, signal);
      } catch (error) {
        // A single id that is gone answers 404 as a whole rather than as a part.
        if (messageIds.length === 1 && error instanceof RingCentralApiError && error.status === 404) return [{ id: messageIds[0]!, kind: 'gone', availability: 'Purged' }];
        throw error;
      }
      if (parts.length !== messageIds.length) throw new MalformedPayloadError(`${where}: ${parts.length} answers for ${messageIds.length} ids`);
      return messageIds.map((id, i): MessageAnswer => {
        const part = parts[i]!;
        if (part.status === 404) return { id, kind: 'gone', availability: 'Purged' };
        if (part.status < 200 || part.status >= 300) {
          const body = (part.body ?? {}) as { errorCode?: unknown; message?: unknown; errors?: Array<{ errorCode?: unknown; message?: unknown }> };
          const code = body.errors?.[0]?.errorCode ?? body.errorCode;
          const message = body.errors?.[0]?.message ?? body.message;
          return { id, kind: 'error', error: new RingCentralApiError(typeof message === 'string' ? message : `HTTP ${part.status}`, {
            status: part.status, errorCode: typeof code === 'string' ? code : undefined, rateGroup: 'Light', method: 'GET', path: `${ACCOUNT}/extension/${extensionId}/message-store/${id}`,
          }) };
        }
        const entry = parseMessages([part.body], `message ${id} of mailbox ${extensionId}`)[0];
        // A deleted or purged message answers with only its id and availability.
        if (!entry || entry.kind === 'tombstone') return { id, kind: 'gone', availability: entry?.availability ?? 'Purged' };
        return { id, kind: 'found', entry };
      });
    },

    async ownExtension(meter, signal) {
      const body = (await client.get(`${ACCOUNT}/extension/~`, {}, 'Light', meter, signal)) as Record<string, unknown>;
      if (body.id === undefined || body.id === null) throw new MalformedPayloadError('GET /extension/~: the answer has no "id"');
      return { id: String(body.id) };
    },

    async checkPermission(permissionId, targetExtensionId, meter, signal) {
      const body = (await client.get(`${ACCOUNT}/extension/~/authz-profile/check`, { permissionId, targetExtensionId }, 'Light', meter, signal)) as Record<string, unknown>;
      if (typeof body.successful !== 'boolean') throw new MalformedPayloadError('authz-profile/check: the answer has no boolean "successful"');
      return body.successful;
    },

    async extensionDetails(extensionId, meter, signal) {
      const body = (await client.get(`${ACCOUNT}/extension/${extensionId}`, {}, 'Light', meter, signal)) as Record<string, unknown>;
      if (body.id === undefined || body.id === null) throw new MalformedPayloadError(`GET /extension/${extensionId}: the answer has no "id"`);
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      const account = body.account as { id?: unknown } | undefined;
      const admin = (body.permissions as { admin?: { enabled?: unknown } } | undefined)?.admin?.enabled;
      return {
        id: String(body.id),
        name: str(body.name),
        extensionNumber: str(body.extensionNumber),
        type: str(body.type),
        status: str(body.status),
        accountId: account?.id === undefined || account.id === null ? null : String(account.id),
        admin: typeof admin === 'boolean' ? admin : undefined,
      };
    },

    async messageList(extensionId, { dateFrom, dateTo, perPage }, meter, signal) {
      const body = (await client.get(`${ACCOUNT}/extension/${extensionId}/message-store`, {
        dateFrom: dateFrom.toISOString(),
        dateTo: dateTo.toISOString(),
        perPage,
      }, 'Light', meter, signal)) as Record<string, unknown>;
      return parseMessages(body.records, `message-store of mailbox ${extensionId}`);
    },

    attachmentText(contentUri, meter, signal) {
      // Message attachment content is in the Medium group (api-notes §6.2), not the message store's Light.
      return client.getText(contentUri, 'Medium', meter, signal);
    },
  };
}

/**
 * The page number navigation.nextPage points to. `totalPages` may be omitted, so navigation is the
 * only reliable end marker; an empty page ends the walk whatever navigation says.
 */
export function nextPageNumber(navigation: unknown, page: number, count: number, where: string): number | undefined {
  const parsed = navigationSchema.safeParse(navigation);
  if (!parsed.success) throw new MalformedPayloadError(`${where}: "navigation" is malformed`);
  const uri = parsed.data?.nextPage?.uri;
  if (!uri || count === 0) return undefined;
  const fromUri = Number(new URL(uri, 'http://x').searchParams.get('page'));
  return Number.isInteger(fromUri) && fromUri > page ? fromUri : page + 1;
}
