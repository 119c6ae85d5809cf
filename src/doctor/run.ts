import { RequestMeter } from '../ringcentral/client.ts';
import type { SessionGrant } from '../ringcentral/client.ts';
import { loadAuthSession } from '../store/auth-sessions.ts';
import { checkBatchReads } from './batch-reads.ts';
import { checkAccountCallLog } from './call-log.ts';
import { checkCredentials } from './credentials.ts';
import { checkExtractSync } from './extract-sync.ts';
import { describeFailure } from './failure.ts';
import { checkOtherMailboxes } from './mailboxes.ts';
import { checkRateLimits } from './rate-limits.ts';
import { checkScopes } from './scopes.ts';
import { checkSessions } from './sessions.ts';
import { CHECKS, result, type CheckId, type CheckResult, type DoctorReport, type DoctorTarget, type Probe } from './types.ts';
import { checkVoicemailReferences } from './voicemail-references.ts';

export interface DoctorRunOptions {
  signal?: AbortSignal | undefined;
  now?: Date;
}

/**
 * Runs every check against RingCentral and the database, in an order that lets later checks reuse what
 * earlier ones fetched: at most 2 Heavy (call-log page, extract-sync FSync), 1 Medium (extension list) and
 * 5 Light (extension/~, authz check, at most two mailbox lists, one batch read) requests, plus a token
 * request when no stored session can be used. A check that throws fails on its own; the run goes on.
 */
export async function runDoctor(target: DoctorTarget, options: DoctorRunOptions = {}): Promise<DoctorReport> {
  const meter = new RequestMeter();
  const probe: Probe = { api: target.api, meter, signal: options.signal, now: options.now ?? new Date() };
  const checks = new Map<CheckId, CheckResult>();
  const guard = async (id: CheckId, fn: () => Promise<CheckResult>) => {
    checks.set(id, await guarded(id, fn, options.signal));
  };

  const stored = await loadAuthSession(target.database.db, target.credentialKey, target.keyring);
  const credentials = await checkCredentials(probe, stored, () => target.grant(), target.serverUrl);
  checks.set('session', credentials.result);
  let grant: SessionGrant | undefined;
  if (credentials.session) {
    grant = await target.grant();
    checks.set('scopes', checkScopes(grant));
    const ownId = credentials.user?.id ?? grant.ownerId;
    let callLogPage: Awaited<ReturnType<typeof checkAccountCallLog>>['page'];
    await guard('call-log', async () => {
      const outcome = await checkAccountCallLog(probe);
      callLogPage = outcome.page;
      return outcome.result;
    });
    checks.set('voicemail-references', checkVoicemailReferences(callLogPage?.entries));
    if (ownId) {
      let other: Parameters<typeof checkBatchReads>[2];
      await guard('other-mailboxes', async () => {
        const outcome = await checkOtherMailboxes(probe, ownId);
        if (outcome.readable && outcome.other) other = { extensionId: outcome.other.id, messages: outcome.messages };
        return outcome.result;
      });
      await guard('extract-sync', () => checkExtractSync(probe, target.fastPath));
      await guard('batch-reads', () => checkBatchReads(probe, ownId, other));
    } else {
      const unknown = 'not checked: RingCentral did not say which extension the JWT belongs to';
      checks.set('other-mailboxes', result('other-mailboxes', 'skip', unknown));
      await guard('extract-sync', () => checkExtractSync(probe, target.fastPath));
      checks.set('batch-reads', result('batch-reads', 'skip', unknown));
    }
  }
  checks.set('rate-limits', checkRateLimits(target.announced(), meter.requests, meter.rateLimited));
  await guard('sessions', () => checkSessions(target.database, target.keyring, target.credentialKey, grant?.ownerId ?? credentials.user?.id, probe.now, target.demo));

  const ordered = CHECKS.map(({ id }) => checks.get(id) ?? result(id, 'skip', 'not checked: no RingCentral session'));
  return {
    ok: ordered.every((c) => c.status !== 'fail'),
    serverUrl: target.serverUrl,
    demo: target.demo,
    user: credentials.user,
    checks: ordered,
    requests: { ...meter.requests },
    rateLimited: meter.rateLimited,
  };
}

/** A check that threw (a malformed answer, a database error) fails with the error; an abort ends the run. */
async function guarded(id: CheckId, fn: () => Promise<CheckResult>, signal: AbortSignal | undefined): Promise<CheckResult> {
  try {
    return await fn();
  } catch (error) {
    if (signal?.aborted) throw error;
    const { text, errorCode } = describeFailure(error);
    return result(id, 'fail', `the check itself failed: ${text}`, { errorCode, fix: 'Run `callsync doctor` again; quote this line in a support request if it repeats.' });
  }
}
