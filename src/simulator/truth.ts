// Ground truth: what a correct, complete sync must hold given what the simulator shows right now.
// Built on demand from the world (nothing is kept per call), newest call first; streamed over HTTP so a
// 100k-call truth never has to exist as one giant string.

import type { ServerResponse } from 'node:http';
import { extensionJson } from './company.ts';
import { callIds } from './ids.ts';
import type { SimContext } from './context.ts';
import { stringifyExact } from './int64-json.ts';
import { serveCall } from './render.ts';
import type { CallVisibility, GroundTruth, SimulatorStats, TruthCall } from './types.ts';
import { voicemailTruth } from './voicemail-truth.ts';

/** Visible calls, newest first; a call's expected voicemail is the one the voicemail truth links to it. */
function* truthCalls(ctx: SimContext, now: number, voicemailByCall: Map<number, string>): Generator<TruthCall> {
  const { world } = ctx;
  for (let i = world.order.length - 1; i >= 0; i--) {
    const key = world.order[i] as number;
    const served = serveCall(world, key, now, 'Detailed', true);
    if (!served) continue;
    const expected = { ...served.expected, voicemailMessageId: voicemailByCall.get(key) ?? null };
    yield { id: served.record.id, record: served.record, deleted: served.deleted, scenario: served.scenario, expected };
  }
}

function extensions(ctx: SimContext): GroundTruth['extensions'] {
  return ctx.company.extensions.map((e) => extensionJson(ctx.world.ctx.origin, ctx.company, e));
}

/** Ground truth for the current instant, as one object. */
export function groundTruth(ctx: SimContext): GroundTruth {
  const now = ctx.clock();
  const vm = voicemailTruth(ctx.world, ctx.company, now);
  return { accountId: ctx.company.accountId, extensions: extensions(ctx), calls: [...truthCalls(ctx, now, vm.voicemailByCall)], messages: vm.messages };
}

/** Writes the same JSON as groundTruth() piece by piece (int64 ids exact), honouring back-pressure. */
export async function streamGroundTruth(ctx: SimContext, res: ServerResponse): Promise<void> {
  const now = ctx.clock();
  const vm = voicemailTruth(ctx.world, ctx.company, now);
  const write = async (chunk: string): Promise<void> => {
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
  };
  await write(`{"accountId":${JSON.stringify(ctx.company.accountId)},"extensions":${JSON.stringify(extensions(ctx))},"calls":[`);
  let first = true;
  let batch = '';
  for (const call of truthCalls(ctx, now, vm.voicemailByCall)) {
    batch += (first ? '' : ',') + JSON.stringify(call);
    first = false;
    if (batch.length > 1 << 20) {
      await write(batch);
      batch = '';
    }
  }
  await write(`${batch}],"messages":${stringifyExact(vm.messages)}}`);
  res.end();
}

/** Counters plus world size, for sim.stats() and GET /__sim/stats. */
export function stats(ctx: SimContext): SimulatorStats {
  const c = ctx.counters;
  const { world } = ctx;
  const now = ctx.clock();
  let visible = 0;
  for (let key = 0; key < world.size; key++) if (world.state(key, now)) visible++;
  return {
    requests: { ...c.requests },
    byStatus: { ...c.byStatus },
    rateLimited: { ...c.rateLimited },
    rateLimitedTotal: Object.values(c.rateLimited).reduce((a, b) => a + b, 0),
    tokenGrants: { ...c.tokenGrants },
    tokenErrors: c.tokenErrors,
    revocations: c.revocations,
    serverErrorsInjected: ctx.faults.injectedServerErrors,
    sessions: ctx.tokens.activeSessions,
    admin: c.admin,
    calls: { total: world.size, visible, held: world.heldCount() },
    messages: { total: world.mail.all.length, visible: world.mail.visibleCount(now), held: world.mail.heldCount() },
    endpoints: { ...c.endpoints },
    messageBatches: { ...c.messageBatches },
    permissionDenied: c.permissionDenied,
  };
}

/** Calls visible now that became visible at or after `since`, oldest first (the world's own timing, not records). */
export function visibility(ctx: SimContext, since: number): CallVisibility[] {
  const { world } = ctx;
  const now = ctx.clock();
  const out: CallVisibility[] = [];
  for (let key = 0; key < world.size; key++) {
    const t0 = world.t0[key] as number;
    if (!(t0 <= now) || t0 < since) continue;
    const t1 = world.t1[key] as number;
    out.push({ id: callIds(world.ctx.seed, key).id, visibleAt: t0, modifiedAt: t1 <= now ? t1 : null });
  }
  return out.sort((a, b) => a.visibleAt - b.visibleAt);
}
