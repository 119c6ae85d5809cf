/**
 * The shapes and small helpers shared by voicemail linking (link-voicemails.ts and the two passes it
 * runs, link-by-reference.ts and link-by-match.ts); kept apart so neither pass imports the entry point.
 */
import type { LinkMethod } from './types.ts';

/**
 * Bump when the linking rules change, so stored links can be recomputed. link/2: the caller's number is
 * read from the record and the inbound legs that show the caller, no longer from FindMe/forwarding legs.
 */
export const LINK_RULE_VERSION = 'link/2';

export interface LinkOptions {
  /** A voicemail may be created up to this long after its call's end (message-store lag; api-notes §8). */
  windowSeconds: number;
}

export const DEFAULT_LINK_OPTIONS: Readonly<LinkOptions> = { windowSeconds: 600 };

export interface LinkDecision {
  voicemailId: string;
  callId: string;
  method: LinkMethod;
  /** 1.0 for a call-log reference; below 1.0 for a match, lower where the match was less certain. */
  confidence: number;
  secondsAfterCallStart: number;
  evidence: Record<string, unknown>;
  ruleVersion: string;
}

export type UnlinkedReason =
  /** No call in the mailbox and window, from the same number, that could have gone to voicemail. */
  | 'NO_CANDIDATE'
  /** The voicemail has no caller number and no anonymous call that reached voicemail just before it. */
  | 'ANONYMOUS_CALLER'
  /** Several calls (or voicemails) fit equally well, or a masked or anonymous pairing is not unique. */
  | 'AMBIGUOUS'
  /** Calls name this voicemail but each is linked to another voicemail it names more strongly. */
  | 'REFERENCE_CONFLICT'
  /** Every call it could belong to was linked to a voicemail that fits that call better. */
  | 'CANDIDATE_TAKEN';

export interface Unlinked {
  voicemailId: string;
  reason: UnlinkedReason;
  candidateCallIds: string[];
  detail: string;
}

export interface LinkResult {
  links: LinkDecision[];
  unlinked: Unlinked[];
}

export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const seconds = (ms: number): number => Math.round(ms / 1000);
