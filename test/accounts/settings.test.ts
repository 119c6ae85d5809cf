import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inFlagTerms } from '../../src/accounts/add.ts';
import { accountListing, renderListing } from '../../src/accounts/listing.ts';
import { removeMode } from '../../src/accounts/remove.ts';
import { argvSecretError, readSecrets } from '../../src/accounts/secret-input.ts';
import { parseNewSettings, parseSettingsChange, SETTINGS } from '../../src/accounts/settings.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { RingCentralApiError, UsageError, describeError } from '../../src/errors.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'callsync-account-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, text, { mode: 0o600 });
  return at;
};
const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no error');
};
const usageAsync = async (p: Promise<unknown>) => {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return (error as Error).message;
};

describe('account settings flags', () => {
  it('take the same bounds as the environment variables they override', () => {
    for (const setting of ['backfillDays', 'sweepHours'] as const) {
      const { flag, variable, min, max } = SETTINGS[setting];
      const env = (v: number) => () => loadConfig({ [variable]: String(v) });
      expect(env(min)).not.toThrow();
      expect(env(max)).not.toThrow();
      expect(env(min - 1)).toThrow(ConfigError);
      expect(env(max + 1)).toThrow(ConfigError);
      const flags = (v: number) => () => parseNewSettings({ [setting]: String(v) });
      expect(flags(min)()).toMatchObject({ [setting]: min });
      expect(flags(max)()).toMatchObject({ [setting]: max });
      expect(usage(flags(max + 1))).toBe(`${flag} must be a whole number from ${min} to ${max}, like ${variable} (got "${max + 1}")`);
      expect(usage(flags(min - 1))).toContain(flag);
    }
    expect(usage(() => parseNewSettings({ backfillDays: '7.5' }))).toContain('--backfill-days must be a whole number');
  });

  it('check the schedule with node-cron, as SYNC_SCHEDULE is checked', () => {
    expect(parseNewSettings({ schedule: ' 0 * * * * ' }).schedule).toBe('0 * * * *');
    expect(usage(() => parseNewSettings({ schedule: 'every minute' }))).toMatch(/^--schedule must be a cron expression like "\*\/5 \* \* \* \*".*got "every minute"/);
    expect(() => loadConfig({ SYNC_SCHEDULE: 'every minute' })).toThrow(ConfigError);
  });

  it('leave out what is not given; set takes "default" back to the environment\'s, and needs something to set', () => {
    expect(parseNewSettings({})).toEqual({ schedule: undefined, backfillDays: undefined, sweepHours: undefined });
    expect(parseSettingsChange({ schedule: 'default', sweepHours: '12' })).toEqual({ schedule: null, sweepHours: 12 });
    expect(parseSettingsChange({ backfillDays: 'DEFAULT' })).toEqual({ backfillDays: null });
    expect(usage(() => parseSettingsChange({}))).toMatch(/^nothing to set: give --schedule CRON, --backfill-days N or --sweep-hours N/);
  });
});

describe('account secrets', () => {
  it('are read from files and standard input, trimmed', async () => {
    const secrets = await readSecrets({ clientSecretFile: file('secret', '  s3cret\n'), jwtFile: '-' }, async () => 'eyJ.payload.sig\n');
    expect(secrets).toEqual({ clientSecret: 's3cret', jwt: 'eyJ.payload.sig' });
  });

  it('refuse both from standard input, an unreadable, empty or many-word file, naming the flag', async () => {
    const stdin = async () => 'x';
    expect(await usageAsync(readSecrets({ clientSecretFile: '-', jwtFile: '-' }, stdin))).toContain('only one of them may be');
    expect(await usageAsync(readSecrets({ clientSecretFile: path.join(dir, 'absent'), jwtFile: '-' }, stdin))).toMatch(/^--client-secret-file: cannot read .*absent \(ENOENT\)/);
    expect(await usageAsync(readSecrets({ clientSecretFile: file('empty', '\n'), jwtFile: '-' }, stdin))).toMatch(/^--client-secret-file: .*empty is empty/);
    expect(await usageAsync(readSecrets({ clientSecretFile: file('ok', 'x'), jwtFile: file('env', 'RC_JWT=a\nRC_CLIENT_ID=b\n') }, stdin))).toMatch(/^--jwt-file: .*env holds more than one word/);
    expect(await usageAsync(readSecrets({ clientSecretFile: file('ok2', 'x'), jwtFile: '-' }, async () => ''))).toBe('--jwt-file: standard input is empty: it must hold the JWT');
  });

  it('on the command line are refused with the flag to use instead, never quoting them', () => {
    expect(argvSecretError('jwt').message).toMatch(/^--jwt is not accepted: .*--jwt-file FILE, or pipe it in with --jwt-file -/);
    expect(argvSecretError('clientSecret').message).toMatch(/^--client-secret is not accepted: .*--client-secret-file FILE/);
  });
});

describe('account remove', () => {
  it('requires exactly one of --keep-data and --drop-data, saying what each does', () => {
    expect(removeMode({ keepData: true })).toBe('keep-data');
    expect(removeMode({ dropData: true })).toBe('drop-data');
    expect(usage(() => removeMode({}))).toMatch(/--keep-data \(.*stay.*\) or --drop-data \(.*deleted.*cannot be undone\)/);
    expect(usage(() => removeMode({ keepData: true, dropData: true }))).toContain('choose one');
  });
});

describe('account add errors', () => {
  it('speak of the flags where a login error names the variables', () => {
    const login = new RingCentralApiError(
      'RingCentral refused the JWT (invalid_grant): RC_JWT is wrong, expired or revoked, or was issued for another environment than RC_SERVER_URL (http://x); create a JWT credential for the admin user (Developer Console → Credentials) and set RC_JWT',
      { status: 400, errorCode: 'OAU-140', rateGroup: 'Auth', method: 'POST', path: '/restapi/oauth/token' },
    );
    const said = describeError(inFlagTerms(login));
    expect(said).toMatch(/^HTTP 400 OAU-140: RingCentral refused the JWT \(invalid_grant\): the JWT of --jwt-file is wrong.* than --server-url \(http:\/\/x\);.* and give it with --jwt-file$/);
    expect(said).not.toMatch(/RC_/);
    const other = new Error('RC_JWT elsewhere');
    expect(inFlagTerms(other)).toBe(other);
  });
});

describe('account list', () => {
  it('marks the settings taken from the environment and lists credentials it cannot open', () => {
    const account = {
      name: 'acme', accountId: '123', companyName: 'Acme', serverUrl: 'https://platform.ringcentral.com', clientId: 'cid', credentialKey: 'k',
      schedule: '0 * * * *', backfillDays: undefined, sweepHours: 12, createdAt: new Date('2026-12-01T10:00:00.123Z'),
    };
    const defaults = { schedule: '*/5 * * * *', backfillDays: 7, sweepHours: 6 };
    const row = accountListing(account, defaults, { status: 'unreadable', problem: 'the credentials of account "acme" cannot be opened' });
    expect(row.settings).toEqual({ schedule: { value: '0 * * * *', isDefault: false }, backfillDays: { value: 7, isDefault: true }, sweepHours: { value: 12, isDefault: false } });
    expect(JSON.stringify(row)).not.toContain('credentialKey');
    const text = renderListing([row]);
    expect(text).toMatch(/^NAME +RC ACCOUNT +COMPANY +SERVER +CLIENT ID +SCHEDULE +BACKFILL DAYS +SWEEP HOURS +CREATED\n/);
    expect(text).toMatch(/^acme +123 +Acme +https:\/\/platform\.ringcentral\.com +cid +0 \* \* \* \* +7 \(default\) +12 +2026-12-01T10:00:00Z\n\nacme: the credentials of account "acme" cannot be opened\n$/m);
    expect(renderListing([])).toMatch(/^no accounts yet: callsync account add --name NAME/);
  });
});
