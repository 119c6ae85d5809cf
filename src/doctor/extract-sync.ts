import { describeFailure } from './failure.ts';
import { result, type CheckResult, type Probe } from './types.ts';

/**
 * Check 5: whether call-log-extract-sync answers this app (one Heavy FSync asking for one record of the
 * last hour). A refusal is a warning, not a failure: callsync falls back to scanning call-log windows,
 * which costs more Heavy requests, and asks again once a day.
 */
export async function checkExtractSync(probe: Probe, fastPath: 'extract-sync' | 'off'): Promise<CheckResult> {
  if (fastPath === 'off') return result('extract-sync', 'skip', 'not asked: SYNC_FAST_PATH=off, so callsync scans call-log windows');
  try {
    const page = await probe.api.extractSync({ dateFrom: new Date(probe.now.getTime() - 3_600_000), recordCount: 1 }, probe.meter, probe.signal);
    return result('extract-sync', 'ok', `FSync answered (${page.entries.length} record${page.entries.length === 1 ? '' : 's'} and a sync token): callsync reads changes through it`);
  } catch (error) {
    const { text, errorCode } = describeFailure(error);
    return result('extract-sync', 'warn', `FSync refused (${text}): callsync falls back to window scans of the call log, more Heavy requests a pass`, {
      errorCode,
      fix: errorCode === 'CMN-401'
        ? 'Add the ReadCallLog scope to the app (Developer Console → your app → Settings → Application scopes).'
        : 'Optional: ask RingCentral support to enable call-log-extract-sync for this account and app; callsync works without it and asks again once a day.',
    });
  }
}
