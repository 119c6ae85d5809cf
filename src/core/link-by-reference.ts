/**
 * CALL_LOG_REFERENCE linking: a call whose record or leg names a message (`message.id`) is that
 * voicemail's call, for certain. When several calls name one voicemail, or one call names several, the
 * strongest reference wins (compareRefs); the losers stay unlinked as REFERENCE_CONFLICT.
 */
import { LINK_RULE_VERSION, byString, seconds } from './link-types.ts';
import type { LinkDecision, LinkResult, Unlinked } from './link-types.ts';
import type { CallFacts, VoicemailFacts } from './types.ts';

interface RefPair {
  call: CallFacts;
  voicemail: VoicemailFacts;
  onRecord: boolean;
  legPositions: number[];
  gapMs: number;
}

export interface RefOutcome extends LinkResult {
  /** Voicemails some call names, linked or not: never matched by heuristics. */
  referencedVoicemails: Set<string>;
  /** Calls that name any message: their voicemail is that message, so they are never matched. */
  referencingCalls: Set<string>;
}

/** Strongest first: a record-level reference, a live call, the call closest in time, then ids. */
function compareRefs(a: RefPair, b: RefPair): number {
  return Number(b.onRecord) - Number(a.onRecord) || Number(a.call.deleted) - Number(b.call.deleted)
    || a.gapMs - b.gapMs || byString(a.call.id, b.call.id) || byString(a.voicemail.id, b.voicemail.id);
}

function whyChosen(chosen: RefPair, runnerUp: RefPair | undefined): string {
  if (!runnerUp) return 'only reference';
  if (chosen.onRecord !== runnerUp.onRecord) return 'named on the record, the other only on a leg';
  if (chosen.call.deleted !== runnerUp.call.deleted) return 'the other call is deleted';
  if (chosen.gapMs !== runnerUp.gapMs) return 'ended closest to the voicemail';
  return 'tie broken by call id';
}

export function linkByReference(calls: CallFacts[], voicemails: VoicemailFacts[]): RefOutcome {
  const voicemailById = new Map(voicemails.map((v) => [v.id, v]));
  const pairs: RefPair[] = [];
  const referencingCalls = new Set<string>();
  for (const call of calls) {
    const named = new Map<string, { onRecord: boolean; legPositions: number[] }>();
    const note = (id: string | null, position: number | null): void => {
      if (id === null) return;
      const entry = named.get(id) ?? { onRecord: false, legPositions: [] };
      if (position === null) entry.onRecord = true;
      else entry.legPositions.push(position);
      named.set(id, entry);
    };
    note(call.messageId, null);
    for (const leg of call.legs) note(leg.messageId, leg.position);
    if (named.size > 0) referencingCalls.add(call.id);
    for (const [id, where] of named) {
      const voicemail = voicemailById.get(id);
      if (!voicemail) continue;
      const gapMs = Math.abs(voicemail.creationTime.getTime() - call.endTime.getTime());
      pairs.push({ call, voicemail, onRecord: where.onRecord, legPositions: where.legPositions.sort((a, b) => a - b), gapMs });
    }
  }
  pairs.sort(compareRefs);

  const byVoicemail = new Map<string, RefPair[]>();
  for (const pair of pairs) {
    const list = byVoicemail.get(pair.voicemail.id);
    if (list) list.push(pair);
    else byVoicemail.set(pair.voicemail.id, [pair]);
  }
  const takenCalls = new Set<string>();
  const linked = new Set<string>();
  const links: LinkDecision[] = [];
  for (const pair of pairs) {
    if (linked.has(pair.voicemail.id) || takenCalls.has(pair.call.id)) continue;
    linked.add(pair.voicemail.id);
    takenCalls.add(pair.call.id);
    const rivals = (byVoicemail.get(pair.voicemail.id) ?? []).filter((p) => p !== pair);
    links.push({
      voicemailId: pair.voicemail.id,
      callId: pair.call.id,
      method: 'CALL_LOG_REFERENCE',
      confidence: 1,
      secondsAfterCallStart: seconds(pair.voicemail.creationTime.getTime() - pair.call.startTime.getTime()),
      evidence: {
        referencedOn: pair.onRecord ? 'record' : 'leg',
        legPositions: pair.legPositions,
        callDeleted: pair.call.deleted,
        competingCallIds: rivals.map((p) => p.call.id).sort(byString),
        chosenBecause: whyChosen(pair, rivals[0]),
        ruleVersion: LINK_RULE_VERSION,
      },
      ruleVersion: LINK_RULE_VERSION,
    });
  }
  const unlinked: Unlinked[] = [];
  for (const [id, group] of byVoicemail) {
    if (linked.has(id)) continue;
    const callIds = group.map((p) => p.call.id).sort(byString);
    unlinked.push({
      voicemailId: id,
      reason: 'REFERENCE_CONFLICT',
      candidateCallIds: callIds,
      detail: `Named by call(s) ${callIds.join(', ')}, each linked to another voicemail it names more strongly.`,
    });
  }
  return { links, unlinked, referencedVoicemails: new Set(byVoicemail.keys()), referencingCalls };
}
