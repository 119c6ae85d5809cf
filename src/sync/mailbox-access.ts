/**
 * Whether RingCentral lets callsync read the account's mailboxes, and the one sentence an operator needs
 * when it does not (api-notes §11): another extension's message store needs the ReadMessages permission
 * with extended scope — in practice the Super Admin role. Lower admins get 403 CMN-419 for every other
 * mailbox; CMN-401 is the app lacking a scope, another case.
 */

/** RingCentral's code for "needs [ReadMessages] permission granted with extended scope". */
export const OTHER_MAILBOX_REFUSAL = 'CMN-419';

export interface AccessState {
  /** The JWT user's own extension: its mailbox is always readable. */
  ownExtensionId?: string;
  /** Unknown until authz-profile/check or a read answers. */
  otherMailboxes?: 'allowed' | 'denied';
  accessErrorCode?: string | null;
  accessCheckedAt?: string;
  /** Whether authz-profile/check answers this app; when not, reads find out. */
  accessCheck?: 'available' | 'unavailable';
}

/** The standing problem to show on the voicemails stream, or undefined when every mailbox can be read. */
export function describeAccess(state: AccessState, refused: number, total: number, unreadableVoicemails: number): { message: string; errorCode: string } | undefined {
  const stubs = unreadableVoicemails > 0
    ? ` ${unreadableVoicemails} voicemail${unreadableVoicemails === 1 ? '' : 's'} the call log names ${unreadableVoicemails === 1 ? 'is' : 'are'} served as not readable (their calls are final as VOICEMAIL).`
    : '';
  if (state.otherMailboxes === 'denied') {
    return {
      errorCode: state.accessErrorCode ?? OTHER_MAILBOX_REFUSAL,
      message: `RingCentral lets callsync read only the JWT user's own mailbox (${state.accessErrorCode ?? OTHER_MAILBOX_REFUSAL}): ${refused} of ${total} mailboxes are not read.${stubs}`
        + ' Fix: give the JWT user the Super Admin role, or a custom role with the ReadMessages permission in extended scope (ideally a dedicated service user); the next pass reads them.',
    };
  }
  if (refused > 0) {
    return {
      errorCode: 'MAILBOX_REFUSED',
      message: `RingCentral refuses callsync ${refused} of ${total} mailboxes (see \`callsync status\` for each mailbox's error); they are tried again daily.${stubs}`,
    };
  }
  return undefined;
}
