// Turns world state into the JSON RingCentral serves for the call log: the Simple/Detailed views of a
// call-log record (message-store records: message-render.ts).

import type { CallLogRecord, ExpectedOutcome } from './types.ts';
import type { World } from './world.ts';

export type View = 'Simple' | 'Detailed';

export interface Served {
  record: CallLogRecord;
  expected: ExpectedOutcome;
  scenario: string;
  deleted: boolean;
}

/** The record of call `key` as served now, or undefined if not visible (or deleted and hidden). */
export function serveCall(world: World, key: number, now: number, view: View, showDeleted: boolean): Served | undefined {
  const state = world.state(key, now);
  if (!state || (state.deleted && !showDeleted)) return undefined;
  const { record: full, expected, draft } = world.version(key, state.stage);
  const { accountId } = world.ctx.company;
  // Spec: legs, billing and lastModifiedTime are "for Detailed view only".
  const { legs, billing, uri: _draftUri, ...rest } = full;
  const record: CallLogRecord = {
    uri: `${world.ctx.origin}/restapi/v1.0/account/${accountId}/call-log/${full.id}?view=${view}`,
    ...rest,
  };
  if (view === 'Detailed') {
    if (billing) record.billing = billing;
    record.lastModifiedTime = new Date(state.lastModifiedMs).toISOString();
    record.legs = legs ?? [];
  }
  if (state.deleted) record.deleted = true;
  return { record, expected, scenario: draft.scenario, deleted: state.deleted };
}
