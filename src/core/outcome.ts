/**
 * RingCentral's outcome vocabulary: every `result` and `reason` value the API documents (api-notes §3.4,
 * 2026 spec) plus the extra strings RingCentral's own widgets handle (enums/callResults.ts). The platform
 * writes them in varying case and spacing ("Hang up"/"Hang Up", "line Busy"/"Line Busy"), so values are
 * compared by a key that ignores case, spaces, dashes and underscores; the canonical spelling below is
 * what the rules and the generated table use.
 */

/** `result` values of the 2026 spec, verbatim. */
export const SPEC_RESULTS = [
  '911', '933', 'Abandoned', 'Accepted', 'Answered Not Accepted', 'Blocked', 'Busy', 'Call Failed',
  'Call Failure', 'Call connected', 'Carrier is not active', 'Declined', 'EDGE trunk misconfigured',
  'Fax Not Sent', 'Fax Partially Sent', 'Fax Poor Line', 'Fax Receipt Error', 'Fax on Demand', 'Hang Up',
  'IP Phone Offline', 'In Progress', 'Internal Error', 'International Disabled', 'International Restricted',
  'Missed', 'No Answer', 'No Calling Credit', 'Not Allowed', 'Partial Receive', 'Phone Login',
  'Receive Error', 'Received', 'Rejected', 'Reply', 'Restricted Number', 'Send Error', 'Sent',
  'Sent to Voicemail', 'Stopped', 'Suspended account', 'Unknown', 'Voicemail', 'Wrong Number',
  'Answered Elsewhere', 'Callback requested',
] as const;

/**
 * Strings the platform sends that the spec does not list (widgets enums/callResults.ts and its i18n
 * tables). Case variants such as "Hang up" or "IP Phone offline" need no entry: they share a key with the
 * spec spelling.
 */
export const EXTRA_RESULTS = [
  'Call accepted', 'Disconnected', 'Ringing Elsewhere', 'Fax Send Error', 'Fax Receipt', 'No fax machine',
  'Partially Sent', 'Poor Line Quality', 'International Restriction', 'Suspended', 'Account',
] as const;

/** Aliases whose key differs from their meaning's key. */
const RESULT_ALIASES: Record<string, string | null> = {
  // The widgets' name for "In Progress".
  resultinprogress: 'In Progress',
  // The widgets' placeholder for "no result yet": the same as an absent result.
  resultempty: null,
};

/** `reason` values of the 2026 spec, verbatim (the 2021 spec's "line Busy" shares a key with "Line Busy"). */
export const SPEC_REASONS = [
  'Accepted', 'Connected', 'Line Busy', 'Not Answered', 'No Answer', 'Hang Up', 'Stopped', 'Internal Error',
  'No Credit', 'Restricted Number', 'Wrong Number', 'International Disabled', 'International Restricted',
  'Bad Number', 'Info 411 Restricted', 'Customer 611 Restricted', 'No Digital Line', 'Failed Try Again',
  'Max Call Limit', 'Too Many Calls', 'Calls Not Accepted', 'Number Not Allowed', 'Number Blocked',
  'Number Disabled', 'Resource Error', 'Call Loop', 'Fax Not Received', 'Fax Partially Sent', 'Fax Not Sent',
  'Fax Poor Line', 'Fax Prepare Error', 'Fax Save Error', 'Fax Send Error', 'Emergency Address not defined',
  'Carrier is not active', 'EDGE trunk misconfigured', 'Internal Call Error', 'Receive Error', 'Unknown',
] as const;

/** The comparison key: case, whitespace, dashes and underscores do not matter. */
export const enumKey = (raw: string): string => raw.toLowerCase().replace(/[\s_-]+/g, '');

function index(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) map.set(enumKey(value), value);
  return map;
}

const RESULTS = index([...SPEC_RESULTS, ...EXTRA_RESULTS]);
const REASONS = index(SPEC_REASONS);

/** A value as read from the log: its canonical spelling when known, else the trimmed raw text. */
export interface ReadValue {
  /** Canonical spelling (known), the raw text (unknown), or null when absent. */
  value: string | null;
  known: boolean;
}

const ABSENT: ReadValue = { value: null, known: true };

/**
 * Remembers readings: a call log repeats a few dozen texts millions of times. Bounded, so a flood of
 * unexpected texts cannot grow it without limit; it never changes an answer.
 */
function memo(read: (text: string) => ReadValue): (raw: string | null | undefined) => ReadValue {
  const seen = new Map<string, ReadValue>();
  return (raw) => {
    if (!raw) return ABSENT;
    let value = seen.get(raw);
    if (value === undefined) {
      value = read(raw.trim());
      if (seen.size >= 1_000) seen.clear();
      seen.set(raw, value);
    }
    return value;
  };
}

/** Reads a `result` (record or leg). Empty text and "ResultEmpty" count as absent. */
export const readResult = memo((text) => {
  if (!text) return ABSENT;
  const key = enumKey(text);
  if (key in RESULT_ALIASES) {
    const alias = RESULT_ALIASES[key] ?? null;
    return alias === null ? ABSENT : { value: alias, known: true };
  }
  const canonical = RESULTS.get(key);
  return canonical ? { value: canonical, known: true } : { value: text, known: false };
});

/** Reads a `reason` (record or leg). */
export const readReason = memo((text) => {
  if (!text) return ABSENT;
  const canonical = REASONS.get(enumKey(text));
  return canonical ? { value: canonical, known: true } : { value: text, known: false };
});

export type Direction = 'Inbound' | 'Outbound';

/** `direction` in any case; null for anything else. */
export function readDirection(raw: string | null | undefined): Direction | null {
  const key = raw ? enumKey(raw) : '';
  return key === 'inbound' ? 'Inbound' : key === 'outbound' ? 'Outbound' : null;
}

/** Results meaning the call (or leg) is still live. */
export const IN_PROGRESS_RESULTS: readonly string[] = ['In Progress', 'Ringing Elsewhere'];
/** Results meaning this leg or call connected to a person or service. */
export const CONNECTED_RESULTS: readonly string[] = ['Accepted', 'Call connected', 'Call accepted'];
/** Results meaning the call reached a voicemail box. */
export const VOICEMAIL_RESULTS: readonly string[] = ['Voicemail', 'Sent to Voicemail'];
/** Results that say nothing about how the call ended; a reason may then say more. */
export const SILENT_RESULTS: readonly string[] = ['Unknown', 'Account'];
