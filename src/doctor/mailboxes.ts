import type { ExtensionRecord, MessageEntry } from '../ringcentral/payloads.ts';
import { describeFailure, isRefused } from './failure.ts';
import { result, type CheckResult, type Probe } from './types.ts';

/** How far back the doctor lists a mailbox (the list's default is one day; a quiet mailbox needs more). */
export const MAILBOX_LOOKBACK_DAYS = 365;
/** Messages listed per mailbox read: two are enough for a batch read. */
const LIST_PER_PAGE = 10;

export const MAILBOX_FIX =
  'Give the JWT user the ReadMessages permission with extended scope: in practice the Super Admin role (Admin Portal → Users → the user → Roles), or a custom role holding it; '
  + 'RingCentral recommends a dedicated service user with that role and its own JWT.';

export interface MailboxOutcome {
  result: CheckResult;
  /** The extension whose mailbox was asked about. */
  other: ExtensionRecord | undefined;
  /** Whether callsync may read mailboxes other than the JWT user's own. */
  readable: boolean;
  /** Messages of `other`'s mailbox, when the check read it. */
  messages: MessageEntry[] | undefined;
}

/**
 * Check 4: whether the JWT user may read other extensions' mailboxes. One Medium request (the first page of
 * the extension list) finds another user, then authz-profile/check (Light) asks for ReadMessages on it. When
 * RingCentral says no, or cannot say, one read of that mailbox (Light) shows what a sync would get: 403
 * CMN-419 is the role lacking ReadMessages with extended scope (api-notes §11).
 */
export async function checkOtherMailboxes(probe: Probe, ownExtensionId: string): Promise<MailboxOutcome> {
  let extensions: ExtensionRecord[];
  try {
    extensions = (await probe.api.extensionsPage(1, probe.meter, probe.signal)).records;
  } catch (error) {
    const { text, errorCode } = describeFailure(error);
    return outcome(result('other-mailboxes', 'fail', `the extension list could not be read: ${text}`, {
      errorCode, fix: 'The JWT user needs an administrator role and the app the ReadAccounts scope to list the account\'s extensions.',
    }));
  }
  const other = pickOther(extensions, ownExtensionId);
  if (!other) {
    return outcome(result('other-mailboxes', 'warn', 'the account lists no other user or department extension: there is no other mailbox to try', {
      fix: 'None needed now; run `callsync doctor` again once the account has other users.',
    }));
  }
  const target = `extension ${other.extensionNumber ?? '?'} "${other.name ?? '?'}" (id ${other.id})`;
  let allowed: boolean | undefined;
  let checkFailure: ReturnType<typeof describeFailure> | undefined;
  try {
    allowed = await probe.api.checkPermission('ReadMessages', other.id, probe.meter, probe.signal);
  } catch (error) {
    checkFailure = describeFailure(error);
  }
  if (allowed) {
    return { other, readable: true, messages: undefined, result: result('other-mailboxes', 'ok', `the JWT user holds ReadMessages for ${target} (authz-profile/check), so other mailboxes can be read`) };
  }
  const said = checkFailure ? `${target}: authz-profile/check is not available (${checkFailure.text})` : `${target}: authz-profile/check says the JWT user lacks ReadMessages`;
  try {
    const messages = await probe.api.messageList(other.id, listQuery(probe.now), probe.meter, probe.signal);
    // Unavailable check, successful read: readable, but callsync learns it by reading (a warning). A check
    // that says no while the read works is RingCentral contradicting itself: also worth a look.
    return {
      other, readable: true, messages,
      result: result('other-mailboxes', 'warn', `${said}; reading its mailbox worked`, {
        errorCode: checkFailure?.errorCode,
        fix: checkFailure
          ? 'None needed: callsync finds out by reading; if reads of other mailboxes fail later, the JWT user needs ReadMessages with extended scope (the Super Admin role).'
          : 'If other mailboxes go unread, give the JWT user the Super Admin role (ReadMessages with extended scope).',
      }),
    };
  } catch (error) {
    const read = describeFailure(error);
    if (isRefused(error, 403) || !checkFailure) {
      return outcome(result('other-mailboxes', 'fail', `${said}; reading its mailbox answered ${read.text}; callsync can read only the JWT user's own mailbox`, {
        errorCode: read.errorCode ?? checkFailure?.errorCode, fix: MAILBOX_FIX,
      }), other);
    }
    return outcome(result('other-mailboxes', 'warn', `${said}; reading its mailbox failed too (${read.text}): could not tell`, {
      errorCode: read.errorCode, fix: 'Run `callsync doctor` again; if it keeps failing, quote the errors to RingCentral support.',
    }), other);
  }
}

function outcome(checked: CheckResult, other?: ExtensionRecord): MailboxOutcome {
  return { result: checked, other, readable: false, messages: undefined };
}

/** The mailbox query of every doctor read: the last year's live messages of any type, a few at most. */
export function listQuery(now: Date) {
  return { dateFrom: new Date(now.getTime() - MAILBOX_LOOKBACK_DAYS * 86_400_000), dateTo: now, perPage: LIST_PER_PAGE };
}

/** Another extension with a mailbox, best an enabled user: the kind of mailbox callsync reads most. */
export function pickOther(extensions: readonly ExtensionRecord[], ownExtensionId: string): ExtensionRecord | undefined {
  const others = extensions.filter((e) => e.id !== ownExtensionId);
  const rank = (e: ExtensionRecord) => (e.type === 'User' ? 0 : e.type === 'Department' ? 1 : 9) + (e.status === 'Enabled' ? 0 : 2);
  const candidates = others.filter((e) => rank(e) < 9).sort((a, b) => rank(a) - rank(b));
  return candidates[0];
}
