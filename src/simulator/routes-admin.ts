// Control endpoints under /__sim/ (no auth, no rate limit) so a simulator running in another process
// (CLI, benchmark) can be steered: faults, release of held data, ground truth and statistics.

import type { SimContext } from './context.ts';
import { parseFaultSettings } from './faults.ts';
import { json, type ApiRequest, type ApiResponse } from './http.ts';
import { stats, streamGroundTruth } from './truth.ts';

function currentFaults(ctx: SimContext): unknown {
  const f = ctx.faults;
  return { serverErrors: f.serverErrors, slow: f.slow, rateLimitStorm: f.rateLimitStorm };
}

/** Dispatches /__sim/* requests. */
export function admin(ctx: SimContext, req: ApiRequest): ApiResponse {
  const route = `${req.method} ${req.url.pathname}`;
  switch (route) {
    case 'GET /__sim/stats':
      return json(200, stats(ctx));
    case 'GET /__sim/truth':
      return { status: 200, stream: (res) => streamGroundTruth(ctx, res) };
    case 'GET /__sim/faults':
      return json(200, currentFaults(ctx));
    case 'POST /__sim/faults': {
      let body: unknown;
      try {
        body = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      } catch {
        return json(400, { error: 'invalid_json', problems: ['body is not JSON'] });
      }
      const parsed = parseFaultSettings(body);
      if (!parsed.ok) return json(400, { error: 'invalid_faults', problems: parsed.problems });
      ctx.faults.set(parsed.settings);
      return json(200, currentFaults(ctx));
    }
    case 'POST /__sim/purge-recordings': {
      let ids: unknown;
      try {
        ids = (JSON.parse(req.body.toString('utf8') || '{}') as { ids?: unknown }).ids;
      } catch {
        return json(400, { error: 'invalid_json', problems: ['body is not JSON'] });
      }
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return json(400, { error: 'invalid_ids', problems: ['body must be {"ids": ["…"]}'] });
      for (const id of ids as string[]) ctx.recordings.purged.add(id);
      return json(200, { purged: ids.length });
    }
    case 'POST /__sim/release':
      return json(200, { released: ctx.release() });
    case 'POST /__sim/revoke-tokens':
      ctx.faults.revokeTokens();
      return json(200, { revoked: true });
    case 'POST /__sim/invalidate-sync-tokens':
      ctx.faults.invalidateSyncTokens();
      return json(200, { invalidated: true });
    case 'POST /__sim/invalidate-message-sync-tokens':
      ctx.faults.invalidateMessageSyncTokens();
      return json(200, { invalidated: true });
    default:
      return json(404, { error: 'not_found', routes: ['GET stats', 'GET truth', 'GET|POST faults', 'POST release', 'POST purge-recordings', 'POST revoke-tokens', 'POST invalidate-sync-tokens', 'POST invalidate-message-sync-tokens'] });
  }
}
