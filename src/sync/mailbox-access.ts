/**
 * Whether RingCentral lets callsync read the account's mailboxes, and the one sentence an operator needs
 * when it does not (api-notes §11): another extension's message store needs the ReadMessages permission
 * with extended scope — in practice the Super Admin role. Lower admins get 403 CMN-419 for every other
 * mailbox; CMN-401 is the app lacking a scope, another case.
 */

import { describeError, isRefusal, RingCentralApiError } from '../errors.ts';
import type { MailboxState } from '../core/mailbox-plan.ts';
import { isTransient } from '../ringcentral/client.ts';
import { forgetRefusals, markMailboxForbidden, type MailboxRow } from '../store/mailboxes.ts';
import { writeSyncState } from '../store/sync-state.ts';
import type { RunContext } from './runner.ts';

/** The voicemail stream's name (its sync_state row keeps AccessState in `details`). */
export const VOICEMAIL_STREAM = 'voicemails';
export const mailboxStream = (extensionId: string) => `voicemail:${extensionId}`;
/** A mailbox refused for another reason than the permission (404, another 403) is asked again after a day. */
const REFUSAL_RETRY_MS = 86_400_000;

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
      message: `RingCentral refuses callsync ${refused} of ${total} mailboxes (404, or 403 for those mailboxes alone); each is asked again a day after it refused.${stubs}`,
    };
  }
  return undefined;
}

/**
 * Whether other extensions' mailboxes may be read. Asked with authz-profile/check until RingCentral says
 * yes (one Light request a pass, so a permission granted later is noticed on the next pass); once allowed,
 * a CMN-419 on one read refuses that mailbox alone (a role scoped to some extensions). When the check
 * itself is not available to the app, the first CMN-419 answers for all other mailboxes (see Access).
 */
export async function checkAccess(ctx: RunContext, details: AccessState, mailboxes: MailboxRow[]): Promise<void> {
  if (details.otherMailboxes === 'allowed') return;
  const target = mailboxes.find((m) => m.id !== details.ownExtensionId);
  if (!target) return;
  let allowed: boolean;
  try {
    allowed = await ctx.api.checkPermission('ReadMessages', target.id, ctx.meter, ctx.signal);
  } catch (error) {
    if (error instanceof RingCentralApiError && isTransient(error)) {
      ctx.logger.warn({ status: error.status, errorCode: error.errorCode }, 'authz-profile/check failed; keeping what is known of mailbox access');
      return;
    }
    if (!isRefusal(error)) throw error;
    ctx.logger.info({ status: error.status, errorCode: error.errorCode }, 'authz-profile/check is not available to this app; mailbox reads will tell whether other mailboxes may be read');
    details.accessCheck = 'unavailable';
    return;
  }
  details.accessCheck = 'available';
  details.accessCheckedAt = ctx.now().toISOString();
  if (allowed) {
    if (details.otherMailboxes === 'denied') {
      const retried = await forgetRefusals(ctx.database.db, ctx.accountId);
      ctx.logger.info({ mailboxes: retried }, 'RingCentral now lets callsync read other mailboxes; reading the refused ones again');
    }
    details.otherMailboxes = 'allowed';
    details.accessErrorCode = null;
  } else {
    details.otherMailboxes = 'denied';
    details.accessErrorCode = OTHER_MAILBOX_REFUSAL;
  }
}

/** Which mailboxes may be read now, updated as RingCentral refuses reads during the pass. */
export class Access {
  private readonly refused = new Set<string>();
  private readonly lastRead: Map<string, Date | null>;

  constructor(private readonly ctx: RunContext, private readonly details: AccessState, private readonly mailboxes: MailboxRow[], private readonly now: Date) {
    for (const m of mailboxes) if (m.access === 'forbidden' && this.stillRefused(m)) this.refused.add(m.id);
    this.lastRead = new Map(mailboxes.map((m) => [m.id, m.readStartedAt]));
  }

  /**
   * A mailbox refused within the last day stays refused. The permission refusal (CMN-419 while other
   * mailboxes are denied) lasts until the permission is found granted, which forgets every refusal.
   */
  private stillRefused(m: MailboxRow): boolean {
    if (m.accessErrorCode === OTHER_MAILBOX_REFUSAL && this.details.otherMailboxes === 'denied') return true;
    return !m.accessCheckedAt || this.now.getTime() - m.accessCheckedAt.getTime() < REFUSAL_RETRY_MS;
  }

  /**
   * When RingCentral cannot be asked whether other mailboxes may be read (authz-profile/check unavailable)
   * and a read said no, one refused mailbox — the one asked longest ago — is tried each pass instead.
   */
  probe(): string | undefined {
    if (this.details.otherMailboxes !== 'denied' || this.details.accessCheck !== 'unavailable') return undefined;
    const others = this.mailboxes.filter((m) => m.id !== this.details.ownExtensionId && m.receivesCalls);
    others.sort((a, b) => (a.accessCheckedAt?.getTime() ?? 0) - (b.accessCheckedAt?.getTime() ?? 0) || (a.id < b.id ? -1 : 1));
    return others[0]?.id;
  }

  /** A read of another extension's mailbox succeeded while they were thought denied: they are not. */
  async granted(): Promise<void> {
    this.details.otherMailboxes = 'allowed';
    this.details.accessErrorCode = null;
    const retried = await forgetRefusals(this.ctx.database.db, this.ctx.accountId);
    this.refused.clear();
    await writeSyncState(this.ctx.database.db, this.ctx.accountId, VOICEMAIL_STREAM, { details: { ...this.details } });
    this.ctx.logger.info({ mailboxes: retried }, 'RingCentral now lets callsync read other mailboxes; reading the refused ones again');
  }

  readable(extensionId: string): boolean {
    if (this.refused.has(extensionId)) return false;
    return extensionId === this.details.ownExtensionId || this.details.otherMailboxes !== 'denied';
  }

  /** Whether the mailbox was read after `at` (a message created by then was there to be read). */
  readSince(extensionId: string, at: Date): boolean {
    const last = this.lastRead.get(extensionId);
    return last !== undefined && last !== null && last > at;
  }

  refusedCount(): number {
    return this.mailboxes.filter((m) => !this.readable(m.id)).length;
  }

  /** The planner's view; `named` holds the newest call naming a missing voicemail, per mailbox. */
  states(named: Map<string, Date>): MailboxState[] {
    return this.mailboxes
      .filter((m) => m.receivesCalls || named.has(m.id) || (m.noticedAt !== null && (m.readStartedDbAt === null || m.readStartedDbAt < m.noticedAt)))
      .map((m) => ({
        id: m.id, evidenceAt: m.evidenceAt, noticedAt: m.noticedAt, readStartedDbAt: m.readStartedDbAt, readStartedAt: m.readStartedAt, namedAt: named.get(m.id) ?? null, forbidden: !this.readable(m.id),
      }));
  }

  /**
   * RingCentral refused a read of this mailbox: it is not asked again this pass, and for a day (or, for the
   * permission refusal, until the permission is found granted).
   */
  async refuse(extensionId: string, error: RingCentralApiError): Promise<void> {
    this.refused.add(extensionId);
    await markMailboxForbidden(this.ctx.database.db, this.ctx.accountId, [extensionId], error.errorCode ?? `HTTP ${error.status}`, this.ctx.now());
    await writeSyncState(this.ctx.database.db, this.ctx.accountId, mailboxStream(extensionId), { lastError: describeError(error), lastErrorCode: error.errorCode ?? null });
    // Unknown so far (the check was unavailable): the first CMN-419 answers for all other mailboxes. When the
    // check said yes, a refusal of one mailbox (a role scoped to some extensions) is that mailbox's alone.
    if (error.errorCode === OTHER_MAILBOX_REFUSAL && extensionId !== this.details.ownExtensionId && this.details.otherMailboxes === undefined) {
      this.details.otherMailboxes = 'denied';
      this.details.accessErrorCode = OTHER_MAILBOX_REFUSAL;
      await writeSyncState(this.ctx.database.db, this.ctx.accountId, VOICEMAIL_STREAM, { details: { ...this.details } });
    }
  }
}

