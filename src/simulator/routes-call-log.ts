// GET /restapi/v1.0/account/{accountId}/call-log and /call-log/{ids} (api-notes §2.1–2.3).
// Window choice: dateFrom <= startTime < dateTo (inclusive lower, exclusive upper bound), so adjacent
// windows [a,b) and [b,c) never return a call twice. Sorted newest first; ties broken by the
// generation key (higher key first), which is stable across requests.

import { apiError, json, multipart, ParamError, type ApiRequest, type ApiResponse } from './http.ts';
import type { SimContext } from './context.ts';
import { numberDigits } from './phone.ts';
import { pageEnvelope } from './paging.ts';
import { boolParam, dateParam, enumListParam, enumParam, intParam, stringParam } from './query.ts';
import { serveCall, type View } from './render.ts';
import { keyFromId, keyFromSessionId, keyFromTelephonySessionId } from './ids.ts';
import type { CallLogRecord } from './types.ts';

const DAY = 24 * 60 * 60 * 1000;
const VIEWS = ['Simple', 'Detailed'] as const;

interface Filter {
  showDeleted: boolean;
  outbound?: Set<number>;
  /** 1 Automatic, 2 OnDemand, 3 any recording. */
  recording?: 1 | 2 | 3;
  onlyKey?: number;
  /** Idx of the extension named by extensionNumber. */
  ext?: number;
  phoneDigits?: string;
  /** Idx of the extensions whose direct number is phoneNumber. */
  phoneExts?: number[];
  none?: boolean;
}

/** GET …/call-log */
export function listCallLog(ctx: SimContext, req: ApiRequest): ApiResponse {
  const q = req.query;
  const view: View = enumParam(q, 'view', VIEWS) ?? 'Simple';
  const toMs = dateParam(q, 'dateTo') ?? req.now;
  const fromMs = dateParam(q, 'dateFrom') ?? toMs - DAY;
  const perPage = intParam(q, 'perPage', { min: 1, clampTo: 1000, maxWord: true }) ?? 100;
  const page = intParam(q, 'page', { min: 1 }) ?? 1;
  const filter = buildFilter(ctx, q);

  const { world } = ctx;
  const [lo, hi] = world.window(fromMs, toMs);
  const offset = (page - 1) * perPage;
  const keys: number[] = [];
  let matched = 0;
  if (!filter.none) {
    for (let i = hi - 1; i >= lo; i--) {
      const key = world.order[i] as number;
      if (!matches(ctx, key, req.now, filter)) continue;
      if (matched >= offset && keys.length < perPage) keys.push(key);
      matched++;
      // Without totals there is no need to count past the next page's first record.
      if (ctx.omitTotals && matched > offset + perPage) break;
    }
  }
  const records: CallLogRecord[] = [];
  for (const key of keys) {
    const served = serveCall(world, key, req.now, view, filter.showDeleted);
    if (served) records.push(served.record);
  }
  const envelope = pageEnvelope({
    url: req.url,
    page,
    perPage,
    count: records.length,
    total: ctx.omitTotals ? undefined : matched,
    hasMore: matched > offset + perPage,
  });
  return json(200, { uri: envelope.uri, records, paging: envelope.paging, navigation: envelope.navigation });
}

function buildFilter(ctx: SimContext, q: URLSearchParams): Filter {
  const { seed } = ctx.world.ctx;
  const filter: Filter = { showDeleted: boolParam(q, 'showDeleted') ?? false };
  const types = enumListParam(q, 'type', ['Voice', 'Fax'] as const);
  if (types && !types.includes('Voice')) filter.none = true;
  const directions = enumListParam(q, 'direction', ['Inbound', 'Outbound'] as const);
  if (directions) filter.outbound = new Set(directions.map((d) => (d === 'Outbound' ? 1 : 0)));
  const recordingType = enumParam(q, 'recordingType', ['Automatic', 'OnDemand', 'All'] as const);
  const withRecording = boolParam(q, 'withRecording');
  // Deprecated withRecording=true means "any recording" unless recordingType is given (old spec).
  if (recordingType) filter.recording = recordingType === 'Automatic' ? 1 : recordingType === 'OnDemand' ? 2 : 3;
  else if (withRecording) filter.recording = 3;

  const sessionId = stringParam(q, 'sessionId');
  const extensionNumber = stringParam(q, 'extensionNumber');
  if (sessionId && extensionNumber) {
    throw new ParamError('sessionId', sessionId, 'CLG-110', 'Parameter [sessionId] is not allowed together with [extensionNumber]');
  }
  const only = (key: number | undefined): void => {
    if (key === undefined || (filter.onlyKey !== undefined && filter.onlyKey !== key)) filter.none = true;
    else filter.onlyKey = key;
  };
  if (sessionId) only(keyFromSessionId(seed, sessionId));
  const telephonySessionId = stringParam(q, 'telephonySessionId');
  if (telephonySessionId) only(keyFromTelephonySessionId(seed, telephonySessionId));
  if (extensionNumber) {
    const ext = ctx.company.extensions.find((e) => e.extensionNumber === extensionNumber);
    if (ext) filter.ext = ext.idx;
    else filter.none = true;
  }
  const phoneNumber = stringParam(q, 'phoneNumber');
  if (phoneNumber) {
    const digits = numberDigits(phoneNumber);
    filter.phoneDigits = digits;
    filter.phoneExts = ctx.company.extensions.filter((e) => e.did && numberDigits(e.did) === digits).map((e) => e.idx);
  }
  return filter;
}

function matches(ctx: SimContext, key: number, now: number, f: Filter): boolean {
  const { world } = ctx;
  if (f.onlyKey !== undefined && key !== f.onlyKey) return false;
  const flags = world.flags(key, now);
  if (flags < 0) return false;
  if (flags & 2 && !f.showDeleted) return false;
  if (f.outbound && !f.outbound.has(world.outbound[key] as number)) return false;
  if (f.recording) {
    const rec = world.recordingTypeAt(key, (flags & 1) as 0 | 1);
    if (rec === 0 || (f.recording !== 3 && rec !== f.recording)) return false;
  }
  if (f.ext !== undefined && !world.involves(key, f.ext)) return false;
  if (f.phoneDigits !== undefined) {
    const external = world.externalDigits[key] === f.phoneDigits;
    if (!external && !(f.phoneExts ?? []).some((idx) => world.involves(key, idx))) return false;
  }
  return true;
}

/** GET …/call-log/{callRecordId}; several comma-separated ids answer 207 multipart like RingCentral. */
export function getCallRecords(ctx: SimContext, req: ApiRequest): ApiResponse {
  const ids = (req.params[1] ?? '').split(',').filter((s) => s !== '');
  const view: View = enumParam(req.query, 'view', VIEWS) ?? 'Simple';
  if (ids.length > 50) throw new ParamError('callRecordId', ids.join(','));
  const lookup = (id: string): ApiResponse => {
    const key = keyFromId(ctx.world.ctx.seed, id);
    const served = key === undefined ? undefined : serveCall(ctx.world, key, req.now, view, false);
    if (!served) {
      return apiError(404, 'CMN-102', 'Resource for parameter [callRecordId] is not found', {
        parameterName: 'callRecordId',
        parameterValue: id,
      });
    }
    return json(200, served.record);
  };
  if (ids.length === 1) return lookup(ids[0] as string);
  return multipart(ids.map(lookup));
}
