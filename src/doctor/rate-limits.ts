import type { RateGroup } from '../errors.ts';
import { DEFAULT_LIMITS, RATE_GROUPS, type RateHeaders } from '../ringcentral/rate-budget.ts';
import { result, type CheckResult } from './types.ts';

/**
 * Check 8: the limits RingCentral announced (X-Rate-Limit-Group/Limit/Window/Remaining) on the doctor's own
 * responses, per group it used, against RingCentral's defaults (api-notes §6.1). callsync paces itself by
 * what is announced, so lower limits only make passes slower; absent headers leave it pacing by the
 * defaults. No request of its own.
 */
export function checkRateLimits(announced: Partial<Record<RateGroup, RateHeaders>>, requests: Record<RateGroup, number>, rateLimited: number): CheckResult {
  const parts: string[] = [];
  const absent: RateGroup[] = [];
  const lower: string[] = [];
  for (const group of RATE_GROUPS) {
    const headers = announced[group];
    const standard = DEFAULT_LIMITS[group];
    if (!headers) {
      if (requests[group] > 0) absent.push(group);
      continue;
    }
    const limit = headers.limit ?? standard.limit;
    const windowSec = headers.windowSec ?? standard.windowSec;
    const isDefault = limit === standard.limit && windowSec === standard.windowSec;
    parts.push(`${group} ${limit}/${windowSec} s${isDefault ? '' : ` (default ${standard.limit}/${standard.windowSec} s)`}${headers.remaining === undefined ? '' : `, ${headers.remaining} left`}`);
    if (limit / windowSec < standard.limit / standard.windowSec) lower.push(`${group} ${limit}/${windowSec} s`);
  }
  if (absent.length > 0) parts.push(`no X-Rate-Limit headers for ${absent.join(', ')}`);
  if (rateLimited > 0) parts.push(`${rateLimited} answer${rateLimited === 1 ? ' was' : 's were'} 429`);
  const found = parts.join('; ') || 'no requests were made';
  if (rateLimited > 0) {
    return result('rate-limits', 'warn', found, {
      fix: 'Something else spends this user\'s budget (another callsync, or another tool with the same JWT user): give callsync its own service user, or run fewer processes.',
    });
  }
  if (absent.length > 0) {
    return result('rate-limits', 'warn', found, {
      fix: `None needed: callsync paces ${absent.join(', ')} by RingCentral's defaults and waits out any 429; ask RingCentral support which limits apply if 429s show in \`callsync status\`.`,
    });
  }
  if (lower.length > 0) {
    return result('rate-limits', 'warn', found, {
      fix: `callsync keeps to the lower limits (${lower.join(', ')}), so passes take longer; ask RingCentral support for the default limits for this app if syncs fall behind.`,
    });
  }
  return result('rate-limits', 'ok', found);
}
