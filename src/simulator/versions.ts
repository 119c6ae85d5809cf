// A call's record changes after it first appears (api-notes §8: recordings and final data arrive
// later). The generator builds the final record; this file derives the earlier version from it for
// the one modification a call may get, and what ground truth says about each version.

import type { CallDraft, ModKind } from './scenarios.ts';
import type { CallLogRecord, ExpectedOutcome } from './types.ts';

export const MOD_CODES: readonly (ModKind | null)[] = [null, 'recordingAdded', 'voicemailLinked', 'legsAdded', 'resultFinalised'];

/** Column code of a modification kind (0 = none). */
export function modCode(kind: ModKind | null): number {
  return MOD_CODES.indexOf(kind);
}

export interface Version {
  record: CallLogRecord;
  expected: ExpectedOutcome;
}

/**
 * The record as it looked at `stage` (0 = first version, 1 = after the modification).
 * Mutates the draft (drafts are rebuilt per request, never shared).
 */
export function versionOf(draft: CallDraft, mod: ModKind | null, stage: 0 | 1): Version {
  const record = draft.record;
  const expected = { ...draft.expected };
  if (stage === 1 || mod === null) return { record, expected };
  const legs = record.legs ?? [];
  switch (mod) {
    case 'recordingAdded':
      delete record.recording;
      for (const leg of legs) delete leg.recording;
      expected.recordingId = null;
      break;
    case 'voicemailLinked':
      // The voicemail exists already; only the call log's reference to it arrives later.
      delete record.message;
      for (const leg of legs) delete leg.message;
      break;
    case 'legsAdded': {
      const late = new Set(draft.lateLegs);
      record.legs = legs.filter((_, i) => !late.has(i));
      break;
    }
    case 'resultFinalised':
      // Nothing about the outcome can be known from an "In Progress" record.
      record.result = 'In Progress';
      delete record.reason;
      delete record.reasonDescription;
      for (const leg of legs) {
        if (!leg.master) continue;
        leg.result = 'In Progress';
        delete leg.reason;
        delete leg.reasonDescription;
      }
      // While the call is still "In Progress" no voicemail is left yet, so nothing names one.
      delete record.message;
      for (const leg of legs) delete leg.message;
      expected.disposition = 'UNKNOWN';
      expected.answeredByExtensionId = null;
      break;
  }
  return { record, expected };
}
