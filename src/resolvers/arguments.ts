import { instantText, isAfter } from '../core/instant.ts';
import { toE164 } from '../core/phone-numbers.ts';
import type { AccountScope } from '../store/read-keys.ts';
import { badInput } from './errors.ts';

/** `first` of a connection: 0 up to the server's cap, with a message that says both bounds. */
export function pageSize(first: number | null | undefined, fallback: number, cap: number): number {
  const value = first ?? fallback;
  if (value < 0 || value > cap) throw badInput(`first must be between 0 and ${cap} (got ${value}); page with the after cursor for more`, 'first');
  return value;
}

/** A phone number in any common format, as stored: E.164, masks kept. */
export function phoneArgument(text: string): string {
  const e164 = toE164(text);
  if (!e164) throw badInput(`phoneNumber "${text}" is not a phone number: write it as +16505550123, (650) 555-0123 or similar`, 'phoneNumber');
  return e164;
}

/** [from, to) must be a real interval. */
export function checkInterval(from: Date | undefined, to: Date | undefined, names: [string, string]): void {
  if (from && to && isAfter(from, to)) throw badInput(`${names[0]} (${instantText(from)}) is after ${names[1]} (${instantText(to)})`, names[0]);
}

/**
 * A filter's `accountId`: the scope narrowed to that account, which must be one the key reads (the
 * message names only the key's own accounts, so it tells nothing of any other).
 */
export function narrowScope(scope: AccountScope, accountId: string | null | undefined): AccountScope {
  if (accountId == null) return scope;
  if (scope !== 'all' && !scope.includes(accountId)) {
    throw badInput(`accountId "${accountId}" is not an account this API key reads (it reads ${scope.join(', ') || 'none'}; the accounts query lists them)`, 'accountId');
  }
  return [accountId];
}
