import { validate as validateCron } from 'node-cron';
import { UsageError } from '../errors.ts';
import type { AccountSettings } from '../store/managed-accounts.ts';

/**
 * A managed account's own settings: each one overrides the deployment's default (the environment variable
 * of the same meaning) or, absent, takes it. The bounds are those of the variables (config.ts), so an
 * account can never be set to what the environment would refuse; test/accounts/settings.test.ts holds
 * the two to each other.
 */
export const SETTINGS = Object.freeze({
  schedule: { flag: '--schedule', variable: 'SYNC_SCHEDULE' },
  backfillDays: { flag: '--backfill-days', variable: 'SYNC_BACKFILL_DAYS', min: 1, max: 366 },
  sweepHours: { flag: '--sweep-hours', variable: 'VOICEMAIL_SWEEP_HOURS', min: 1, max: 168 },
});

/** What `account set` takes to give a setting back to the deployment's default. */
export const DEFAULT_WORD = 'default';

/** The deployment's defaults, as the environment configures them (config.sync). */
export interface SettingDefaults {
  schedule: string;
  backfillDays: number;
  sweepHours: number;
}

/** A change to one setting: a value of the account's own, `null` back to the default, undefined untouched. */
export type SettingsChange = { [K in keyof AccountSettings]?: NonNullable<AccountSettings[K]> | null };

/** Flags as commander hands them over: strings, or undefined when not given. */
export interface SettingFlags {
  schedule?: string | undefined;
  backfillDays?: string | undefined;
  sweepHours?: string | undefined;
}

export function parseSchedule(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || !validateCron(trimmed)) {
    throw new UsageError(`--schedule must be a cron expression like "*/5 * * * *" (minute hour day month weekday; got "${value}"), or leave it out to use SYNC_SCHEDULE`);
  }
  return trimmed;
}

function parseWhole(setting: 'backfillDays' | 'sweepHours', value: string): number {
  const { flag, variable, min, max } = SETTINGS[setting];
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, like ${variable} (got "${value}")`);
  }
  return n;
}

/** The settings `account add` was given; those not given stay undefined (the default). */
export function parseNewSettings(flags: SettingFlags): AccountSettings {
  return {
    schedule: flags.schedule === undefined ? undefined : parseSchedule(flags.schedule),
    backfillDays: flags.backfillDays === undefined ? undefined : parseWhole('backfillDays', flags.backfillDays),
    sweepHours: flags.sweepHours === undefined ? undefined : parseWhole('sweepHours', flags.sweepHours),
  };
}

/** The changes `account set` was given: a value, or `default` (null). At least one is required. */
export function parseSettingsChange(flags: SettingFlags): SettingsChange {
  const change: SettingsChange = {};
  const isDefault = (v: string) => v.trim().toLowerCase() === DEFAULT_WORD;
  if (flags.schedule !== undefined) change.schedule = isDefault(flags.schedule) ? null : parseSchedule(flags.schedule);
  if (flags.backfillDays !== undefined) change.backfillDays = isDefault(flags.backfillDays) ? null : parseWhole('backfillDays', flags.backfillDays);
  if (flags.sweepHours !== undefined) change.sweepHours = isDefault(flags.sweepHours) ? null : parseWhole('sweepHours', flags.sweepHours);
  if (Object.keys(change).length === 0) {
    throw new UsageError('nothing to set: give --schedule CRON, --backfill-days N or --sweep-hours N (or "default" for any of them, to take the deployment\'s default again)');
  }
  return change;
}

/** One setting as it applies: the account's own value, or the default (and that it is one). */
export interface EffectiveSetting<T> {
  value: T;
  isDefault: boolean;
}

export interface EffectiveSettings {
  schedule: EffectiveSetting<string>;
  backfillDays: EffectiveSetting<number>;
  sweepHours: EffectiveSetting<number>;
}

export function effectiveSettings(own: AccountSettings, defaults: SettingDefaults): EffectiveSettings {
  const pick = <T>(value: T | undefined, fallback: T): EffectiveSetting<T> => (value === undefined ? { value: fallback, isDefault: true } : { value, isDefault: false });
  return { schedule: pick(own.schedule, defaults.schedule), backfillDays: pick(own.backfillDays, defaults.backfillDays), sweepHours: pick(own.sweepHours, defaults.sweepHours) };
}
