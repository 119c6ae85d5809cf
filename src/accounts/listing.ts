import { effectiveSettings, type EffectiveSettings, type SettingDefaults } from './settings.ts';
import type { ManagedAccountWithCompany } from '../store/managed-accounts.ts';

/**
 * Whether this process's keys open an account's stored credentials: `ok`, `unreadable` (with the reason
 * and the fix, as a worker would report it), or `unchecked` when no key is configured here.
 */
export type CredentialStatus = { status: 'ok' } | { status: 'unreadable'; problem: string } | { status: 'unchecked'; problem: string };

/** One row of `account list`: never a secret (the sealed credentials are not even read into it). */
export interface AccountListing {
  name: string;
  accountId: string | null;
  companyName: string | null;
  serverUrl: string;
  clientId: string;
  settings: EffectiveSettings;
  credentials: CredentialStatus;
  createdAt: string;
}

export function accountListing(account: ManagedAccountWithCompany, defaults: SettingDefaults, credentials: CredentialStatus): AccountListing {
  return {
    name: account.name,
    accountId: account.accountId,
    companyName: account.companyName,
    serverUrl: account.serverUrl,
    clientId: account.clientId,
    settings: effectiveSettings(account, defaults),
    credentials,
    createdAt: account.createdAt.toISOString(),
  };
}

const shown = <T>(s: { value: T; isDefault: boolean }) => `${String(s.value)}${s.isDefault ? ' (default)' : ''}`;

/** Settings as one phrase, e.g. `schedule 0 * * * *, backfill 30 days, sweep every 6 hours (default)`. */
export function describeSettings(settings: EffectiveSettings): string {
  return `schedule ${shown(settings.schedule)}, backfill ${settings.backfillDays.value} days${settings.backfillDays.isDefault ? ' (default)' : ''}, `
    + `sweep every ${settings.sweepHours.value} hours${settings.sweepHours.isDefault ? ' (default)' : ''}`;
}

const COLUMNS: Array<[string, (a: AccountListing) => string]> = [
  ['NAME', (a) => a.name],
  ['RC ACCOUNT', (a) => a.accountId ?? '—'],
  ['COMPANY', (a) => a.companyName ?? '—'],
  ['SERVER', (a) => a.serverUrl],
  ['CLIENT ID', (a) => a.clientId],
  ['SCHEDULE', (a) => shown(a.settings.schedule)],
  ['BACKFILL DAYS', (a) => shown(a.settings.backfillDays)],
  ['SWEEP HOURS', (a) => shown(a.settings.sweepHours)],
  ['CREATED', (a) => a.createdAt.replace(/\.\d{3}Z$/, 'Z')],
];

/**
 * The accounts as an aligned table, "(default)" marking settings taken from the environment, and below
 * it one line per account whose credentials this process cannot open (or could not check).
 */
export function renderListing(rows: readonly AccountListing[]): string {
  if (rows.length === 0) return 'no accounts yet: callsync account add --name NAME --server-url URL --client-id ID --client-secret-file FILE --jwt-file FILE\n';
  const cells = [COLUMNS.map(([title]) => title), ...rows.map((row) => COLUMNS.map(([, cell]) => cell(row)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  const lines = cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  const problems = rows.flatMap((row) => (row.credentials.status === 'ok' ? [] : [`${row.name}: ${row.credentials.problem}`]));
  return `${[...lines, ...(problems.length > 0 ? ['', ...problems] : [])].join('\n')}\n`;
}
