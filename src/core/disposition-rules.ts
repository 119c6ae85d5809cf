/**
 * The disposition mapping as data (style.md §3): rows read top to bottom, the first match decides.
 * derive-disposition.ts turns a call into a Situation and asks matchRule; the README mapping table and the
 * unit tests are generated from / driven by the same rows, so the three cannot drift apart.
 */
import type { Disposition } from './types.ts';
import {
  CONNECTED_RESULTS, EXTRA_RESULTS, IN_PROGRESS_RESULTS, SPEC_REASONS, SPEC_RESULTS, VOICEMAIL_RESULTS,
  type Direction,
} from './outcome.ts';

/** Bump when a row's meaning changes, so stored decisions can be recomputed (ruleVersion). */
export const DISPOSITION_RULE_VERSION = 'disposition/1';

/** What the rules look at, already read from the record and its legs. */
export interface Situation {
  direction: Direction | null;
  /** The record's result (canonical spelling), or its raw text when unknown; null when absent. */
  result: string | null;
  resultKnown: boolean;
  /** The record's reason (canonical spelling); null when absent or unknown. */
  reason: string | null;
  /** A leg shows that a person accepted the call (not a voicemail or IVR leg). Inbound only. */
  personAnswered: boolean;
  voicemailLinked: boolean;
  /** The record or a leg names a message and the call is not a fax. */
  messageReferenced: boolean;
}

/** Conditions of one row; every given condition must hold. */
export interface RuleWhen {
  direction?: Direction;
  result?: readonly string[];
  reason?: readonly string[];
  resultUnknown?: true;
  personAnswered?: true;
  voicemailLinked?: true;
  messageReferenced?: true;
}

export interface DispositionRule {
  id: string;
  when: RuleWhen;
  disposition: Disposition;
  /** One plain sentence for CRM users; `{result}` is replaced by RingCentral's text. */
  why: string;
  /** An inbound voice call decided by this row may still get a voicemail (linking, 'voicemail expected'). */
  voicemailPossible?: true;
  /** Someone answered, but not the extension the record belongs to (and the legs do not say who). */
  answererUnknown?: true;
}

const IN = 'Inbound' as const;
const OUT = 'Outbound' as const;

export const RULES: readonly DispositionRule[] = [
  // Evidence from legs and links comes first: a queue member or FindMe leg that picked up makes the call
  // answered whatever the members that did not pick up (and the record's own result) say.
  { id: 'answered-by-person', when: { direction: IN, personAnswered: true }, disposition: 'ANSWERED',
    why: 'A person answered the call; phones that rang without picking up do not change that.' },
  { id: 'voicemail-linked', when: { direction: IN, voicemailLinked: true }, disposition: 'VOICEMAIL',
    voicemailPossible: true, why: 'Nobody answered and the caller left a voicemail.' },
  { id: 'voicemail-referenced', when: { direction: IN, messageReferenced: true }, disposition: 'VOICEMAIL',
    voicemailPossible: true, why: 'Nobody answered and the call log names the voicemail the caller left.' },
  { id: 'in-progress', when: { result: IN_PROGRESS_RESULTS }, disposition: 'UNKNOWN',
    why: 'The call is still in progress.' },
  { id: 'unknown-result', when: { resultUnknown: true }, disposition: 'UNKNOWN',
    why: 'RingCentral reported a result callsync does not know yet ("{result}").' },

  // Results that decide on their own, in either direction.
  { id: 'connected', when: { result: CONNECTED_RESULTS }, disposition: 'ANSWERED',
    why: 'RingCentral reports the call as connected.' },
  { id: 'answered-elsewhere', when: { result: ['Stopped', 'Answered Elsewhere'] }, disposition: 'ANSWERED',
    answererUnknown: true, why: 'The call was answered on another phone.' },
  { id: 'emergency', when: { result: ['911', '933'] }, disposition: 'ANSWERED',
    why: 'An emergency call (911/933); emergency lines answer, and RingCentral logs the service instead of an outcome.' },
  { id: 'service', when: { result: ['Phone Login', 'Fax on Demand'] }, disposition: 'ANSWERED',
    why: 'The call reached a RingCentral service ({result}), which answers automatically.' },
  { id: 'fax-delivered', when: { result: ['Received', 'Sent', 'Fax Receipt'] }, disposition: 'ANSWERED',
    why: 'The fax went through ({result}).' },
  { id: 'fax-failed', when: { result: ['Fax Not Sent', 'Fax Partially Sent', 'Fax Poor Line', 'Fax Receipt Error',
    'Fax Send Error', 'Partial Receive', 'Partially Sent', 'Poor Line Quality', 'Receive Error', 'Send Error',
    'No fax machine'] }, disposition: 'FAILED', why: 'The fax failed or was cut short ({result}).' },
  { id: 'technical-failure', when: { result: ['Call Failed', 'Call Failure', 'Internal Error', 'Carrier is not active',
    'EDGE trunk misconfigured', 'Disconnected'] }, disposition: 'FAILED',
    why: 'The call failed for a technical reason ({result}).' },
  // An offline phone sends inbound callers to voicemail, so a message may still follow.
  { id: 'phone-offline', when: { result: ['IP Phone Offline'] }, disposition: 'FAILED', voicemailPossible: true,
    why: 'The phone was offline, so the call could not ring it.' },
  { id: 'blocked', when: { result: ['Blocked', 'Restricted Number', 'Wrong Number', 'Not Allowed',
    'International Disabled', 'International Restricted', 'International Restriction', 'No Calling Credit',
    'Suspended account', 'Suspended'] }, disposition: 'BLOCKED', why: 'RingCentral did not put the call through ({result}).' },
  // Declining usually sends the caller to voicemail.
  { id: 'rejected', when: { result: ['Rejected', 'Declined'] }, disposition: 'REJECTED', voicemailPossible: true,
    why: 'The call was declined.' },
  { id: 'replied', when: { result: ['Reply'] }, disposition: 'REJECTED', voicemailPossible: true,
    why: 'The call was declined with a reply message instead of being answered.' },

  // Results whose meaning depends on the direction.
  { id: 'voicemail-without-message', when: { direction: IN, result: VOICEMAIL_RESULTS }, disposition: 'MISSED',
    voicemailPossible: true, why: 'The call went to voicemail, but the caller left no message.' },
  { id: 'outbound-reached-voicemail', when: { direction: OUT, result: VOICEMAIL_RESULTS }, disposition: 'NO_ANSWER',
    why: 'Nobody answered; the call reached the other side\'s voicemail.' },
  { id: 'busy-inbound', when: { direction: IN, result: ['Busy'] }, disposition: 'MISSED', voicemailPossible: true,
    why: 'The line was busy, so nobody answered.' },
  { id: 'busy-outbound', when: { direction: OUT, result: ['Busy'] }, disposition: 'BUSY',
    why: 'The other side was busy.' },
  { id: 'hang-up-inbound', when: { direction: IN, result: ['Hang Up', 'Abandoned'] }, disposition: 'ABANDONED',
    why: 'The caller hung up before anyone answered.' },
  { id: 'hang-up-outbound', when: { direction: OUT, result: ['Hang Up', 'Abandoned'] }, disposition: 'NO_ANSWER',
    why: 'The call was ended before the other side answered.' },
  { id: 'not-accepted-inbound', when: { direction: IN, result: ['Answered Not Accepted'] }, disposition: 'MISSED',
    voicemailPossible: true, why: 'A phone or voicemail system picked up, but nobody accepted the call.' },
  { id: 'not-accepted-outbound', when: { direction: OUT, result: ['Answered Not Accepted'] }, disposition: 'NO_ANSWER',
    why: 'The other side picked up but never accepted the call.' },
  { id: 'callback-requested', when: { direction: IN, result: ['Callback requested'] }, disposition: 'MISSED',
    why: 'The caller asked to be called back instead of waiting.' },

  // Specific reasons: they refine results that say little (Missed, No Answer, Unknown, or none).
  { id: 'reason-hang-up-inbound', when: { direction: IN, reason: ['Hang Up'] }, disposition: 'ABANDONED',
    why: 'The caller hung up before anyone answered.' },
  { id: 'reason-hang-up-outbound', when: { direction: OUT, reason: ['Hang Up'] }, disposition: 'NO_ANSWER',
    why: 'The call was ended before the other side answered.' },
  { id: 'reason-busy-inbound', when: { direction: IN, reason: ['Line Busy', 'Max Call Limit', 'Too Many Calls'] },
    disposition: 'MISSED', voicemailPossible: true, why: 'The line was busy or at its call limit, so nobody answered.' },
  { id: 'reason-busy-outbound', when: { direction: OUT, reason: ['Line Busy'] }, disposition: 'BUSY',
    why: 'The other side was busy.' },
  { id: 'reason-call-limit-outbound', when: { direction: OUT, reason: ['Max Call Limit', 'Too Many Calls'] },
    disposition: 'FAILED', why: 'The call could not be placed because too many calls were in progress.' },
  { id: 'reason-blocked', when: { reason: ['No Credit', 'Restricted Number', 'Wrong Number', 'International Disabled',
    'International Restricted', 'Bad Number', 'Info 411 Restricted', 'Customer 611 Restricted', 'Number Not Allowed',
    'Number Blocked', 'Number Disabled'] }, disposition: 'BLOCKED', why: 'RingCentral did not put the call through.' },
  { id: 'reason-not-accepted', when: { reason: ['Calls Not Accepted'] }, disposition: 'REJECTED',
    why: 'The called number does not accept calls.' },
  { id: 'reason-failed', when: { reason: ['Internal Error', 'Internal Call Error', 'No Digital Line', 'Failed Try Again',
    'Resource Error', 'Call Loop', 'Emergency Address not defined', 'Carrier is not active', 'EDGE trunk misconfigured'] },
    disposition: 'FAILED', why: 'The call failed for a technical reason.' },
  { id: 'reason-fax-failed', when: { reason: ['Fax Not Received', 'Fax Partially Sent', 'Fax Not Sent', 'Fax Poor Line',
    'Fax Prepare Error', 'Fax Save Error', 'Fax Send Error', 'Receive Error'] }, disposition: 'FAILED',
    why: 'The fax failed or was cut short.' },

  // Generic results.
  { id: 'missed-inbound', when: { direction: IN, result: ['Missed', 'No Answer'] }, disposition: 'MISSED',
    voicemailPossible: true, why: 'Nobody answered and no voicemail was left.' },
  { id: 'no-answer-outbound', when: { direction: OUT, result: ['Missed', 'No Answer'] }, disposition: 'NO_ANSWER',
    why: 'Nobody answered.' },

  // Generic reasons, reached only when the result says nothing (absent, Unknown, Account).
  { id: 'reason-accepted', when: { reason: ['Accepted'] }, disposition: 'ANSWERED', why: 'The call was accepted.' },
  { id: 'reason-answered-elsewhere', when: { reason: ['Stopped'] }, disposition: 'ANSWERED', answererUnknown: true,
    why: 'The call was answered on another phone.' },
  { id: 'reason-connected-inbound', when: { direction: IN, reason: ['Connected'] }, disposition: 'MISSED',
    voicemailPossible: true, why: 'A phone or voicemail system picked up, but nobody accepted the call.' },
  { id: 'reason-connected-outbound', when: { direction: OUT, reason: ['Connected'] }, disposition: 'ANSWERED',
    why: 'The other side picked up.' },
  { id: 'reason-no-answer-inbound', when: { direction: IN, reason: ['Not Answered', 'No Answer'] }, disposition: 'MISSED',
    voicemailPossible: true, why: 'Nobody answered and no voicemail was left.' },
  { id: 'reason-no-answer-outbound', when: { direction: OUT, reason: ['Not Answered', 'No Answer'] },
    disposition: 'NO_ANSWER', why: 'Nobody answered.' },

  { id: 'no-outcome', when: {}, disposition: 'UNKNOWN', why: 'RingCentral did not say how the call ended.' },
];

function holds(when: RuleWhen, s: Situation): boolean {
  if (when.direction && when.direction !== s.direction) return false;
  if (when.result && !(s.resultKnown && s.result !== null && when.result.includes(s.result))) return false;
  if (when.reason && !(s.reason !== null && when.reason.includes(s.reason))) return false;
  if (when.resultUnknown && s.resultKnown) return false;
  if (when.personAnswered && !s.personAnswered) return false;
  if (when.voicemailLinked && !s.voicemailLinked) return false;
  if (when.messageReferenced && !s.messageReferenced) return false;
  return true;
}

/** The first row whose conditions hold; the last row matches everything. */
export function matchRule(s: Situation): DispositionRule {
  for (const rule of RULES) if (holds(rule.when, s)) return rule;
  throw new Error('unreachable: the last disposition rule matches everything');
}

// ---- the generated table (embedded in README.md) ----

const code = (values: readonly string[]): string => values.map((v) => `\`${v}\``).join(', ');

function describeWhen(when: RuleWhen): string {
  const parts: string[] = [];
  if (when.personAnswered) parts.push('a leg shows a person accepted the call');
  if (when.voicemailLinked) parts.push('a voicemail is linked');
  if (when.messageReferenced) parts.push('the record or a leg names a message (not a fax)');
  if (when.resultUnknown) parts.push('result is not a known value');
  if (when.result) parts.push(`result is ${code(when.result)}`);
  if (when.reason) parts.push(`reason is ${code(when.reason)}`);
  return parts.length > 0 ? parts.join('; ') : 'anything else';
}

const blank: Situation = {
  direction: null, result: null, resultKnown: true, reason: null,
  personAnswered: false, voicemailLinked: false, messageReferenced: false,
};

function outcomeCell(s: Situation): string {
  const rule = matchRule(s);
  return `${rule.disposition} (\`${rule.id}\`)`;
}

function valueIndex(values: readonly string[], situation: (value: string) => Situation): string[] {
  const lines = ['| Value | Inbound | Outbound |', '|---|---|---|'];
  for (const value of values) {
    const s = situation(value);
    lines.push(`| \`${value}\` | ${outcomeCell({ ...s, direction: 'Inbound' })} | ${outcomeCell({ ...s, direction: 'Outbound' })} |`);
  }
  return lines;
}

/** The mapping table, generated from RULES (README.md embeds it; a test keeps the two equal). */
export function renderDispositionTable(): string {
  const rows = RULES.map((rule, i) =>
    `| ${i + 1} | \`${rule.id}\` | ${rule.when.direction ?? 'any'} | ${describeWhen(rule.when)} | ${rule.disposition} | ` +
    `${rule.voicemailPossible ? 'yes' : ''} | ${rule.why.replace('{result}', '`{result}`')} |`);
  return [
    `# How callsync derives a call's disposition (\`${DISPOSITION_RULE_VERSION}\`)`,
    '',
    '<!-- Generated by renderDispositionTable() in src/core/disposition-rules.ts; do not edit by hand.',
    '     test/core/derive-disposition.test.ts fails when this file and the rules differ. -->',
    '',
    'Each call is checked against the rows below from top to bottom; the first row that matches decides.',
    'RingCentral\'s `result` and `reason` texts are compared ignoring case, spaces, dashes and underscores',
    '(`Hang up` = `Hang Up`, `line Busy` = `Line Busy`); `ResultInProgress` means `In Progress` and an empty',
    'result or `ResultEmpty` means no result. The record\'s own result is used; when the record has none, the',
    'master leg\'s. A value callsync does not know gives UNKNOWN and is reported so it can be added here.',
    '',
    '"A person accepted" means a leg whose result is `Accepted`, `Call connected` or `Call accepted` (or whose',
    'reason is `Accepted` when its result says nothing) that is not a voicemail leg, not a virtual-agent,',
    'park, paging, monitoring, test or fax leg, and not a leg after which the call moved on to another leg',
    '(unless that leg follows a transfer, park, pickup or move) — that is how an IVR or auto-receptionist',
    '"accepts" a call before handing it on. Of several such legs, a queue member\'s or forwarding target\'s',
    '(non-master) leg counts before the master leg, and the earliest first; its extension is the one that',
    'answered. Legs of queue members or phones that did not pick up (`Missed`, `No Answer`, `Stopped`,',
    '`Answered Elsewhere`) never make an answered call missed. Fax calls use the same rows (fax results are',
    'listed); a message named by a fax call is the fax, not a voicemail.',
    '',
    '"Voicemail may follow" marks rows after which an inbound voice call may still get a voicemail: such a',
    'call can be linked to one by matching, and stays not final (`voicemail expected`) until a voicemail is',
    'linked or the voicemail window (default 600 s after the call\'s end) has passed. A call whose log names a',
    'message stays not final (`voicemail referenced but not synced yet`) until that voicemail is linked, and',
    'a call whose result is `In Progress` stays not final (`call in progress`). Deleted calls are always final.',
    'In the Why column, `{result}` stands for RingCentral\'s result text.',
    '',
    '| # | Rule | Direction | When | Disposition | Voicemail may follow | Why |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Every result value on its own',
    '',
    'What a record with only this `result` (no reason, no legs, no voicemail) gets. Spellings seen in the wild',
    'are read as the value they spell: `Hang up`, `IP Phone offline`, `Suspended Account`, `ResultInProgress`',
    '(= `In Progress`); `ResultEmpty` is no result.',
    '',
    ...valueIndex([...SPEC_RESULTS, ...EXTRA_RESULTS], (value) => ({ ...blank, result: value })),
    '',
    '## Every reason value, when the result says nothing',
    '',
    'What a record whose `result` is absent or `Unknown` gets with this `reason`.',
    '',
    ...valueIndex(SPEC_REASONS, (value) => ({ ...blank, reason: value })),
    '',
  ].join('\n');
}
