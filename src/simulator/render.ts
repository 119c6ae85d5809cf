// Turns world state into the JSON RingCentral serves: the Simple/Detailed views of a call-log record
// and message-store voicemail records.

import type { Company } from './company.ts';
import type { CallLogRecord, ExpectedOutcome, MessageJson } from './types.ts';
import type { StoredMessage, World } from './world.ts';

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

/** Message-store JSON for a voicemail (GetMessageInfoResponse shape, api-notes §4.4). */
export function messageJson(origin: string, company: Company, m: StoredMessage): MessageJson {
  const base = `${origin}/restapi/v1.0/account/${company.accountId}/extension/${m.mailbox.id}/message-store/${m.id}`;
  const id = Number(m.id);
  return {
    uri: base,
    id,
    extensionId: String(m.mailbox.id),
    to: [{ ...m.to }],
    from: { ...m.from },
    type: 'VoiceMail',
    creationTime: new Date(m.creationMs).toISOString(),
    readStatus: m.readStatus,
    priority: 'Normal',
    attachments: [
      {
        id,
        // RingCentral serves media from media.ringcentral.com; the simulator is its own media host.
        uri: `${base}/content/${id}`,
        type: 'AudioRecording',
        contentType: 'audio/mpeg',
        vmDuration: m.vmDuration,
        fileName: `voicemail-${id}.mp3`,
      },
    ],
    direction: 'Inbound',
    availability: m.availability,
    messageStatus: 'Received',
    lastModifiedTime: new Date(m.lastModifiedMs).toISOString(),
    vmTranscriptionStatus: m.transcription,
  };
}
