import type { CallFacts, LegFacts, VoicemailFacts } from '../../src/core/types.ts';

/** 2026-11-20 09:00:00 UTC: the start of every built call unless overridden. */
export const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
export const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

export const CALLER = '+14158905908';
export const USER_EXT = '133165004';
/** USER_EXT's direct number: the `to` of every built call unless overridden. */
export const USER_DID = '+16505819987';
/** USER_EXT's own mobile, rung by FindMe. */
export const USER_MOBILE = '+16502530144';

/** A leg with overrides; defaults describe a master Accept leg of USER_EXT that starts with the call. */
export function makeLeg(overrides: Partial<LegFacts> = {}): LegFacts {
  return {
    position: 0,
    legType: 'Accept',
    direction: 'Inbound',
    action: 'Phone Call',
    result: 'Accepted',
    reason: 'Accepted',
    startTime: at(0),
    durationMs: 100_000,
    master: false,
    extensionId: USER_EXT,
    fromE164: CALLER,
    toE164: USER_DID,
    fromExtensionId: null,
    toExtensionId: null,
    messageId: null,
    recordingId: null,
    shortRecording: false,
    ...overrides,
  };
}

/**
 * A FindMe leg as RingCentral logs it (api-notes §3.2, §3.4): USER_EXT's platform rings the user's mobile,
 * an Outbound leg from the user's own number; by default nobody picked up. Override legType/action for
 * FollowMe, SipForwarding and the like.
 */
export function makeOnwardLeg(overrides: Partial<LegFacts> = {}): LegFacts {
  return makeLeg({
    position: 1, legType: 'FindMe', direction: 'Outbound', action: 'FindMe', result: 'No Answer', reason: 'Not Answered',
    startTime: at(3), durationMs: 17_000, fromE164: USER_DID, toE164: USER_MOBILE, ...overrides,
  });
}

let counter = 0;

/**
 * Call facts with overrides: by default an inbound call from CALLER to USER_EXT, 100 s long, without
 * legs. `endTime` follows `startTime` + `durationMs` unless given.
 */
export function makeCallFacts(overrides: Partial<CallFacts> = {}): CallFacts {
  counter++;
  const startTime = overrides.startTime ?? at(0);
  const durationMs = overrides.durationMs ?? 100_000;
  return {
    id: `CALL${String(counter).padStart(6, '0')}`,
    direction: 'Inbound',
    type: 'Voice',
    action: 'Phone Call',
    result: 'Accepted',
    reason: null,
    startTime,
    endTime: new Date(startTime.getTime() + durationMs),
    durationMs,
    extensionId: USER_EXT,
    fromE164: CALLER,
    toE164: USER_DID,
    fromExtensionId: null,
    toExtensionId: null,
    messageId: null,
    recordingId: null,
    shortRecording: false,
    deleted: false,
    legs: [],
    ...overrides,
  };
}

/** A voicemail in USER_EXT's mailbox from CALLER, created five seconds after the default call ends. */
export function makeVoicemailFacts(overrides: Partial<VoicemailFacts> = {}): VoicemailFacts {
  counter++;
  return {
    id: String(402406985000 + counter),
    mailboxExtensionId: USER_EXT,
    fromE164: CALLER,
    creationTime: at(105),
    durationSeconds: 20,
    availability: 'Alive',
    ...overrides,
  };
}
