import type { SessionGrant } from '../ringcentral/client.ts';
import { result, type CheckResult } from './types.ts';

/** Scopes callsync cannot work without: account and extensions, the call log, the message store. */
export const REQUIRED_SCOPES = ['ReadAccounts', 'ReadCallLog', 'ReadMessages'] as const;
/** Needed only for call recordings. */
export const RECORDING_SCOPE = 'ReadCallRecording';

const WHERE = 'Developer Console → your app → Settings → Application scopes';

/** Check 2: the scopes the token response granted the app (no request: the session carries them). */
export function checkScopes(grant: SessionGrant): CheckResult {
  const granted = new Set(grant.scopes);
  if (granted.size === 0) {
    return result('scopes', 'warn', 'the token response named no scopes, so they cannot be checked here', {
      fix: `Make sure the app has ${[...REQUIRED_SCOPES, RECORDING_SCOPE].join(', ')} (${WHERE}).`,
    });
  }
  const missing = REQUIRED_SCOPES.filter((s) => !granted.has(s));
  const list = [...granted].sort().join(' ');
  if (missing.length > 0) {
    return result('scopes', 'fail', `granted: ${list}; missing ${missing.join(', ')}`, {
      fix: `Add ${missing.join(', ')}${granted.has(RECORDING_SCOPE) ? '' : ` (and ${RECORDING_SCOPE} for recordings)`} to the app's scopes (${WHERE}); new tokens carry them.`,
    });
  }
  if (!granted.has(RECORDING_SCOPE)) {
    return result('scopes', 'warn', `granted: ${list}; missing ${RECORDING_SCOPE}, so recordings cannot be read`, {
      fix: `Add ${RECORDING_SCOPE} to the app's scopes (${WHERE}) if you want recordings.`,
    });
  }
  return result('scopes', 'ok', `granted: ${list}`);
}
