import { RingCentralApiError } from '../errors.ts';
import type { SessionGrant } from '../ringcentral/client.ts';
import { sessionAction } from '../ringcentral/auth-storage.ts';
import type { ExtensionDetails } from '../ringcentral/endpoints.ts';
import { describeFailure } from './failure.ts';
import { result, type CheckResult, type Probe } from './types.ts';

export interface CredentialsOutcome {
  result: CheckResult;
  /** Whether a session could be opened: without one nothing else can be asked. */
  session: boolean;
  /** The JWT user (GET extension/~), when RingCentral answered. */
  user: ExtensionDetails | undefined;
}

/**
 * Check 1: a session can be opened or used, and whose it is. `stored` is the credential's session as the
 * database held it before this run: whether the client can use it as it is, must refresh it or has to log
 * in with the JWT is decided by the same rule the client applies (sessionAction), so the report says which
 * happened. One Light request (extension/~) plus the token request, if any.
 */
export async function checkCredentials(probe: Probe, stored: Record<string, string>, grant: () => Promise<SessionGrant>, serverUrl: string): Promise<CredentialsOutcome> {
  const expected = sessionAction(stored, {}, undefined, probe.now.getTime()).action;
  const authBefore = probe.meter.requests.Auth;
  let user: ExtensionDetails | undefined;
  try {
    user = await probe.api.extensionDetails('~', probe.meter, probe.signal);
  } catch (error) {
    if (lostSession(error)) {
      const { text, errorCode } = describeFailure(error);
      return { session: false, user: undefined, result: result('session', 'fail', `no session: ${text}`, { fix: sessionFix(error, serverUrl), errorCode }) };
    }
    // A session was opened, but the JWT user's extension could not be read.
    const { text, errorCode } = describeFailure(error);
    const how = describeHow(expected, probe.meter.requests.Auth - authBefore);
    return {
      session: true,
      user: undefined,
      result: result('session', 'fail', `${how}, but GET extension/~ failed: ${text}`, {
        errorCode,
        fix: errorCode === 'CMN-401'
          ? 'Add the ReadAccounts scope to the app (Developer Console → your app → Settings → Application scopes).'
          : 'Check the JWT user in the Admin Portal (enabled, not deleted) and try again; quote the error to RingCentral support if it persists.',
      }),
    };
  }
  const how = describeHow(expected, probe.meter.requests.Auth - authBefore);
  const who = `extension ${user.extensionNumber ?? '?'} "${user.name ?? '?'}" (id ${user.id}${user.accountId ? `, account ${user.accountId}` : ''}${user.admin === undefined ? '' : user.admin ? ', administrator' : ', not an administrator'})`;
  const granted = await grant();
  if (!granted.refreshable) {
    return {
      session: true,
      user,
      result: result('session', 'warn', `JWT user ${who}; ${how}, but RingCentral issued no refresh token`, {
        fix: 'Enable "Issue refresh tokens" in the app\'s auth settings (Developer Console → your app → Settings): without them callsync logs in with the JWT every hour, against 5 logins a minute and about 5 sessions a user.',
      }),
    };
  }
  return { session: true, user, result: result('session', 'ok', `JWT user ${who}; ${how}`) };
}

/** A token request failed, or RingCentral kept refusing the access token: there is no session to use. */
function lostSession(error: unknown): boolean {
  if (!(error instanceof RingCentralApiError)) return false;
  return error.details.rateGroup === 'Auth' || error.status === 401 || error.status === undefined;
}

function describeHow(expected: 'use' | 'refresh' | 'login', tokenRequests: number): string {
  if (tokenRequests === 0) return 'used the live session stored in the database (no token request)';
  const count = `${tokenRequests} token request${tokenRequests === 1 ? '' : 's'}`;
  if (expected === 'use') return `the stored session was refused, so a new one was taken (${count}) and stored for other processes`;
  if (expected === 'refresh') return `refreshed the session stored in the database (${count}) and stored the new one`;
  return `logged in with the JWT (${count}) and stored the session for other processes`;
}

/** The one-sentence fix for a session that could not be opened, by what RingCentral said. */
function sessionFix(error: unknown, serverUrl: string): string {
  const e = error as RingCentralApiError;
  const code = e.errorCode ?? '';
  if (e.status === undefined) return `RingCentral could not be reached at ${serverUrl}: check RC_SERVER_URL (https://platform.ringcentral.com, or the sandbox's URL) and the network.`;
  if (code === 'OAU-123' || code === 'invalid_client' || code === 'OAU-112') {
    return 'RC_CLIENT_ID and RC_CLIENT_SECRET are not accepted: copy them again from Developer Console → your app → Credentials.';
  }
  if (code === 'OAU-251' || code === 'unauthorized_client' || code === 'OAU-125') {
    return 'The app does not allow the JWT flow: in Developer Console → your app → Settings → Auth, enable "JWT auth flow".';
  }
  if (code.startsWith('OAU-') || code === 'invalid_grant') {
    return 'RC_JWT is not accepted (expired, revoked, or not allowed for this app): create a JWT credential for the service user in Developer Console → Credentials that this app may use, and set RC_JWT to it.';
  }
  if (e.status === 429) return 'RingCentral\'s Auth limit (5 token requests a minute) is spent, probably by other processes logging in: wait a minute and run again.';
  return 'Check RC_SERVER_URL, RC_CLIENT_ID, RC_CLIENT_SECRET and RC_JWT; quote the error to RingCentral support if they are right.';
}
