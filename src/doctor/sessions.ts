import { tokensOf } from '../ringcentral/auth-storage.ts';
import { listAuthSessions } from '../store/auth-sessions.ts';
import type { Database } from '../store/db.ts';
import type { SecretKeyring } from '../secrets/box.ts';
import { result, type CheckResult } from './types.ts';

/** The key under which the SDK keeps its auth data (JSON with owner_id, tokens...); see auth-storage.ts. */
const SDK_AUTH_KEY = 'rc-platform';
/** RingCentral's cap on live sessions per user and app ("usually five", api-notes §1.2). */
export const SESSIONS_PER_USER = 5;
/** RingCentral's default refresh token lifetime: a session not written for longer is dead. */
const REFRESH_TOKEN_DAYS = 7;

/**
 * Check 9: the sessions callsync keeps in auth_sessions. Every process on the database shares the one of its
 * credential (store/auth-sessions.ts): on Postgres under an advisory lock across processes, on embedded
 * PGlite within its one process. Stored sessions of other credentials of the same RingCentral user (an old
 * JWT, another deployment on this database) count against that user's five. Sessions are sealed: those
 * sealed with keys this process lacks (another JWT's derived key) are counted apart, as live when written
 * within a refresh token's lifetime, their user unknown. No request.
 */
export async function checkSessions(database: Database, keyring: SecretKeyring, credentialKey: string, ownerId: string | undefined, now: Date, demo = false): Promise<CheckResult> {
  const rows = await listAuthSessions(database.db, keyring);
  const live = (data: Record<string, string>) => tokensOf(data).refreshExpireTime > now.getTime() || tokensOf(data).expireTime > now.getTime();
  const mine = rows.find((r) => r.credentialKey === credentialKey);
  // In demo mode every run starts its own simulator (a new URL, so a new credential): the sessions earlier
  // runs stored ended with their simulators.
  const others = demo ? [] : rows.filter((r) => r.credentialKey !== credentialKey);
  const opened = others.flatMap((r) => (r.opened && live(r.data) ? [r] : []));
  const sealedAway = others.filter((r) => !r.opened && now.getTime() - r.updatedAt.getTime() < REFRESH_TOKEN_DAYS * 86_400_000).length;
  const sameUser = ownerId ? opened.filter((r) => ownerOf(r.data) === ownerId) : [];
  const sharing = database.kind === 'postgres'
    ? 'shared by every callsync process on this Postgres database (refreshes take turns under an advisory lock)'
    : 'held by the one process that owns the embedded PGlite database';
  const elsewhere = demo
    ? 'sessions of earlier demo runs ended with their simulators'
    : `${opened.length} live session${opened.length === 1 ? '' : 's'} of other credentials stored${ownerId ? ` (${sameUser.length} of the same user)` : ''}`
      + (sealedAway ? `, and ${sealedAway} written in the last ${REFRESH_TOKEN_DAYS} days sealed with keys this process does not hold (their users unknown)` : '');
  if (mine && !mine.opened) {
    return result('sessions', 'warn', `the session stored for this credential does not open with ${keyring.source} (${mine.reason}); ${elsewhere}`, {
      fix: 'The next sync logs in once with the JWT and replaces it. If CALLSYNC_SECRET_KEY was changed, list the old key after the new one (comma-separated) until every process runs with the new one.',
    });
  }
  if (!mine || !live(mine.data)) {
    return result('sessions', 'warn', `no live session is stored for this credential; ${elsewhere}`, {
      fix: 'Make sure the database is writable by callsync: without a stored session every process logs in on its own and they push each other out.',
    });
  }
  const sealing = mine.current ? `sealed with key ${mine.keyId}` : `sealed with an older key (${mine.keyId}), re-sealed with the first at its next refresh`;
  const found = `1 session stored for this credential (updated ${mine.updatedAt.toISOString()}, ${sealing}), ${sharing}; ${elsewhere}`;
  if (sameUser.length + 1 >= SESSIONS_PER_USER) {
    return result('sessions', 'warn', found, {
      fix: `RingCentral keeps about ${SESSIONS_PER_USER} sessions per user and drops the oldest: retire the deployments or JWTs behind the other sessions, or give this deployment its own service user.`,
    });
  }
  return result('sessions', 'ok', found);
}

function ownerOf(data: Record<string, string>): string | undefined {
  try {
    const auth = JSON.parse(data[SDK_AUTH_KEY] ?? '{}') as { owner_id?: unknown };
    return auth.owner_id === undefined || auth.owner_id === null ? undefined : String(auth.owner_id);
  } catch {
    return undefined;
  }
}
