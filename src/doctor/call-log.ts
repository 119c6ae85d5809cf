import type { CallLogPage } from '../ringcentral/endpoints.ts';
import { describeFailure } from './failure.ts';
import { result, type CheckResult, type Probe } from './types.ts';

/** The window and page size of the one call-log page the doctor reads (checks 3 and 6 share it). */
export const CALL_LOG_DAYS = 7;
export const CALL_LOG_PER_PAGE = 100;

export interface CallLogOutcome {
  result: CheckResult;
  page: CallLogPage | undefined;
}

/**
 * Check 3: the company call log can be read (one Heavy request: the first Detailed page of the last seven
 * days, which check 6 reads too). CMN-408 is the user's role, CMN-401 the app's scope (api-notes §7.2).
 */
export async function checkAccountCallLog(probe: Probe): Promise<CallLogOutcome> {
  const dateTo = probe.now;
  const dateFrom = new Date(dateTo.getTime() - CALL_LOG_DAYS * 86_400_000);
  try {
    const page = await probe.api.callLogPage({ dateFrom, dateTo, page: 1, perPage: CALL_LOG_PER_PAGE }, probe.meter, probe.signal);
    const total = page.totalElements ?? (page.nextPage ? `more than ${page.entries.length}` : page.entries.length);
    return { page, result: result('call-log', 'ok', `readable: ${total} record${total === 1 ? '' : 's'} in the last ${CALL_LOG_DAYS} days`) };
  } catch (error) {
    const { text, errorCode } = describeFailure(error);
    return { page: undefined, result: result('call-log', 'fail', `GET /account/~/call-log failed: ${text}`, { errorCode, fix: callLogFix(errorCode) }) };
  }
}

function callLogFix(errorCode: string | undefined): string {
  if (errorCode === 'CMN-401') return 'Add the ReadCallLog scope to the app (Developer Console → your app → Settings → Application scopes).';
  if (errorCode === 'CMN-408' || errorCode === 'CMN-402') {
    return 'Give the JWT user an administrator role that reads the company call log (the Full Company Call Log permission, e.g. Super Admin), and make sure the app has ReadCallLog.';
  }
  return 'The JWT user needs an administrator role that reads the company call log and the app needs ReadCallLog; quote the error to RingCentral support if both hold.';
}
