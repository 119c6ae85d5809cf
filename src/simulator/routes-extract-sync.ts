// GET /restapi/v1.0/account/{accountId}/call-log-extract-sync (api-notes §2.5): records whose current
// version was modified after the cursor, oldest modification first, deleted ones with deleted: true.
// A record appears once per sync with its latest version; superseded events are skipped. The batch may
// exceed recordCount when several records share the last millisecond (as documented), so the cursor
// can be a plain instant.

import { apiError, json, ParamError, type ApiRequest, type ApiResponse } from './http.ts';
import type { SimContext } from './context.ts';
import { dateParam, enumParam, intParam, stringParam } from './query.ts';
import { serveCall } from './render.ts';
import type { SyncCursor } from './sync-token.ts';
import type { CallLogRecord } from './types.ts';
import { upperBound } from './world.ts';

const HOUR = 60 * 60 * 1000;
/**
 * What an ISync may carry. The spec lists recordCount as FSync-only and says nothing of view, dateFrom or
 * metadataCategory on ISync (the token carries what FSync chose): strict here, so clients prove they send
 * only what is documented.
 */
const ISYNC_PARAMETERS = new Set(['syncType', 'syncToken']);

/**
 * The errors of an endpoint that is not there for this account or app (api-notes §7.2): 403 with CMN-202
 * is RingCentral's "not enabled for the account", 501 CMN-202 a server without it, 503 an outage.
 */
const UNAVAILABLE = {
  403: () => apiError(403, 'CMN-202', 'Operation not supported: it is not enabled for this account'),
  501: () => apiError(501, 'CMN-202', 'Operation not supported'),
  503: () => apiError(503, 'CMN-201', 'Service temporarily unavailable'),
};

/** GET …/call-log-extract-sync (FSync with dateFrom, ISync with syncToken). */
export function extractSync(ctx: SimContext, req: ApiRequest): ApiResponse {
  const unavailable = ctx.faults.extractSyncUnavailable;
  if (unavailable) return UNAVAILABLE[unavailable.status]();
  const q = req.query;
  const syncType = enumParam(q, 'syncType', ['FSync', 'ISync'] as const) ?? 'FSync';
  let cursor: SyncCursor;
  if (syncType === 'FSync') {
    const maxLookback = ctx.faults.extractSyncMaxLookbackMs;
    const dateFrom = dateParam(q, 'dateFrom');
    if (maxLookback !== null && dateFrom !== undefined && dateFrom < req.now - maxLookback) {
      throw new ParamError('dateFrom', String(q.get('dateFrom') ?? ''));
    }
    cursor = {
      position: dateFrom ?? req.now - HOUR,
      view: enumParam(q, 'view', ['Simple', 'Detailed'] as const) ?? 'Simple',
      recordCount: intParam(q, 'recordCount', { min: 1, clampTo: 1000 }) ?? 250,
    };
  } else {
    const extra = [...new Set(q.keys())].find((name) => !ISYNC_PARAMETERS.has(name) && stringParam(q, name) !== undefined);
    if (extra) throw new ParamError(extra, q.get(extra) ?? '', 'CMN-101', `Parameter [${extra}] is not allowed`);
    const token = stringParam(q, 'syncToken');
    if (!token) throw new ParamError('syncToken', '', 'CLG-101', 'Parameter [syncToken] value is invalid');
    const checked = ctx.syncTokens.check(token, req.now);
    if (!checked.ok) {
      return apiError(400, checked.errorCode, checked.message, { parameterName: 'syncToken', parameterValue: token });
    }
    cursor = checked.cursor;
  }

  const { world } = ctx;
  const records: CallLogRecord[] = [];
  let position = cursor.position;
  let newerRecordsExist = false;
  for (let i = upperBound(world.evT, cursor.position); i < world.evT.length; i++) {
    const t = world.evT[i] as number;
    if (t > req.now) break;
    const key = world.evKey[i] as number;
    const state = world.state(key, req.now);
    // Only the event that produced the record's current version counts.
    if (!state || state.kind !== world.evKind[i] || state.lastModifiedMs !== t) continue;
    if (records.length >= cursor.recordCount && t !== position) {
      newerRecordsExist = true;
      break;
    }
    const served = serveCall(world, key, req.now, cursor.view, true);
    if (!served) continue;
    records.push(served.record);
    position = t;
  }
  world.maxCursorIssued = Math.max(world.maxCursorIssued, position);
  const syncToken = ctx.syncTokens.issue({ ...cursor, position }, req.now);
  return json(200, {
    uri: req.url.toString(),
    records,
    syncInfo: { syncType, syncToken, syncTime: new Date(req.now).toISOString(), newerRecordsExist },
  });
}
