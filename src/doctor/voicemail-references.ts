import type { CallLogEntry } from '../ringcentral/payloads.ts';
import { CALL_LOG_DAYS } from './call-log.ts';
import { result, type CheckResult } from './types.ts';

/** Results that say a call went to voicemail (api-notes §3.4), compared case-insensitively. */
const VOICEMAIL_RESULTS = new Set(['voicemail', 'sent to voicemail']);

export interface ReferenceCounts {
  records: number;
  /** Records whose result, or one of whose legs' result, says voicemail. */
  voicemailLooking: number;
  /** Records with a `message` reference on the record or any leg. */
  withReference: number;
  /** Legs with a `message` reference. */
  legsWithReference: number;
  /** Voicemail-looking records that carry a reference. */
  voicemailWithReference: number;
}

/** Counts, in a call-log page, the calls that look like voicemail and those that name their message. */
export function countReferences(entries: readonly CallLogEntry[]): ReferenceCounts {
  const counts: ReferenceCounts = { records: 0, voicemailLooking: 0, withReference: 0, legsWithReference: 0, voicemailWithReference: 0 };
  for (const entry of entries) {
    if (entry.kind !== 'record') continue;
    const { record } = entry;
    const legs = record.legs ?? [];
    counts.records++;
    const looksVoicemail = [record, ...legs].some((p) => VOICEMAIL_RESULTS.has((p.result ?? '').trim().toLowerCase()));
    const legRefs = legs.filter((l) => l.message?.id).length;
    const referenced = !!record.message?.id || legRefs > 0;
    counts.legsWithReference += legRefs;
    if (referenced) counts.withReference++;
    if (looksVoicemail) counts.voicemailLooking++;
    if (looksVoicemail && referenced) counts.voicemailWithReference++;
  }
  return counts;
}

/**
 * Check 6: whether RingCentral's call-log records name the voicemail they left (`message` on the record or a
 * leg, api-notes §4.5). Without those references callsync links voicemails by matching caller and time.
 * No request of its own: it reads the page check 3 fetched.
 */
export function checkVoicemailReferences(entries: readonly CallLogEntry[] | undefined): CheckResult {
  if (!entries) return result('voicemail-references', 'skip', 'not checked: the call log could not be read');
  const c = countReferences(entries);
  const found = `${c.records} recent call${c.records === 1 ? '' : 's'} read (last ${CALL_LOG_DAYS} days): ${c.voicemailLooking} look like voicemail, `
    + `${c.voicemailWithReference} of them with a message reference; ${c.withReference} record${c.withReference === 1 ? '' : 's'} and ${c.legsWithReference} leg${c.legsWithReference === 1 ? '' : 's'} carry one`;
  if (c.voicemailLooking > 0 && c.withReference === 0) {
    return result('voicemail-references', 'warn', found, {
      fix: 'Nothing to set in RingCentral: callsync links these voicemails by caller and time (LINK_WINDOW_MINUTES), which is less certain when calls from one number overlap.',
    });
  }
  return result('voicemail-references', 'ok', c.records === 0 ? `no calls in the last ${CALL_LOG_DAYS} days: nothing to look at` : found);
}
