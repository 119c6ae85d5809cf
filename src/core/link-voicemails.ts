/**
 * Which call each voicemail was left on. RingCentral's message store names no call (api-notes §4.5); the
 * call log may name the message (`message.id`, on the record or a leg). So: a reference in the call log
 * links for certain; for the rest, a match on mailbox, caller number and time, decided over all
 * candidates at once and only when it is unambiguous — a wrong link is worse than no link. Anonymous
 * voicemails match only under a much tighter rule (ANONYMOUS_WINDOW_MS).
 * Pure and order-independent: the same input in any order gives the same output.
 */
import { linkByMatch } from './link-by-match.ts';
import { linkByReference } from './link-by-reference.ts';
import { DEFAULT_LINK_OPTIONS, byString } from './link-types.ts';
import type { LinkOptions, LinkResult } from './link-types.ts';
import type { CallFacts, VoicemailFacts } from './types.ts';

export { DEFAULT_LINK_OPTIONS, LINK_RULE_VERSION } from './link-types.ts';
export type { LinkDecision, LinkOptions, LinkResult, Unlinked, UnlinkedReason } from './link-types.ts';

/**
 * Links voicemails to calls. Ids are unique within each list. Voicemails whose call is absent or
 * uncertain come back in `unlinked` with the reason; later runs (more data) may link them.
 */
export function linkVoicemails(calls: CallFacts[], voicemails: VoicemailFacts[], options: Partial<LinkOptions> = {}): LinkResult {
  const opts = { ...DEFAULT_LINK_OPTIONS, ...options };
  const refs = linkByReference(calls, voicemails);
  const matched = linkByMatch(calls, voicemails, refs, opts.windowSeconds * 1000);
  return {
    links: [...refs.links, ...matched.links].sort((a, b) => byString(a.voicemailId, b.voicemailId)),
    unlinked: [...refs.unlinked, ...matched.unlinked].sort((a, b) => byString(a.voicemailId, b.voicemailId)),
  };
}
