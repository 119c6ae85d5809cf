import type { MessageEntry } from '../ringcentral/payloads.ts';
import { describeFailure } from './failure.ts';
import { listQuery } from './mailboxes.ts';
import { result, type CheckResult, type Probe } from './types.ts';

/** Another mailbox to fall back to when the JWT user's own holds fewer than two messages. */
export interface OtherMailbox {
  extensionId: string;
  /** Its messages, when check 4 already listed them. */
  messages: MessageEntry[] | undefined;
}

/**
 * Check 7: whether a batch read (`message-store/{id1},{id2}`) comes back as a 207 multipart answer callsync
 * can split. Lists one page of the JWT user's own mailbox for two ids (Light), then reads both in one
 * request (Light). A service user's own mailbox is often empty: then a readable other mailbox serves,
 * reusing check 4's list when it made one. Two ids make the answer multipart; `messages` rejects an answer
 * with fewer parts than ids, so an answer here is a parsed multipart one.
 */
export async function checkBatchReads(probe: Probe, ownExtensionId: string, other: OtherMailbox | undefined): Promise<CheckResult> {
  const mailboxes: Array<{ id: string; label: string; listed: MessageEntry[] | undefined }> = [{ id: ownExtensionId, label: 'the JWT user\'s own mailbox', listed: undefined }];
  if (other) mailboxes.push({ id: other.extensionId, label: `mailbox ${other.extensionId}`, listed: other.messages });
  const tried: string[] = [];
  for (const box of mailboxes) {
    let entries: MessageEntry[];
    try {
      entries = box.listed ?? (await probe.api.messageList(box.id, listQuery(probe.now), probe.meter, probe.signal));
    } catch (error) {
      const { text, errorCode } = describeFailure(error);
      return result('batch-reads', 'warn', `listing ${box.label} failed: ${text}`, { errorCode, fix: 'Run `callsync doctor` again; batch reads were not tried.' });
    }
    const ids = entries.filter((e) => e.kind === 'message').map((e) => e.message.id).slice(0, 2);
    if (ids.length < 2) {
      tried.push(`${box.label} holds ${ids.length} message${ids.length === 1 ? '' : 's'}`);
      continue;
    }
    try {
      const answers = await probe.api.messages(box.id, ids, probe.meter, probe.signal);
      const refused = answers.find((a) => a.kind === 'error');
      if (refused && refused.kind === 'error') {
        const { text, errorCode } = describeFailure(refused.error);
        return result('batch-reads', 'warn', `the 207 answer from ${box.label} came apart, but RingCentral refused message ${refused.id}: ${text}`, {
          errorCode, fix: 'None in callsync\'s hands: quote the error to RingCentral support if voicemails go missing.',
        });
      }
      return result('batch-reads', 'ok', `two messages of ${box.label} in one request: 207 multipart answer split into ${answers.length} parts`);
    } catch (error) {
      const { text, errorCode } = describeFailure(error);
      return result('batch-reads', 'warn', `a batch read of two messages from ${box.label} failed: ${text}`, {
        errorCode, fix: 'callsync reads voicemails the call log names in batches of 30: quote this error to RingCentral support (callsync has no one-by-one fallback yet).',
      });
    }
  }
  return result('batch-reads', 'warn', `not tried: ${tried.join('; ')} (of the last year; two are needed)`, {
    fix: 'None needed now; run `callsync doctor` again once a readable mailbox holds two messages.',
  });
}
