import { describe, expect, it } from 'vitest';
import { formatReport } from '../../src/doctor/format.ts';
import { pickOther } from '../../src/doctor/mailboxes.ts';
import { checkRateLimits } from '../../src/doctor/rate-limits.ts';
import { checkScopes } from '../../src/doctor/scopes.ts';
import { CHECKS, result, type DoctorReport } from '../../src/doctor/types.ts';
import { checkVoicemailReferences, countReferences } from '../../src/doctor/voicemail-references.ts';
import type { CallLogEntry, ExtensionRecord } from '../../src/ringcentral/payloads.ts';
import { makeCallRecord } from '../builders.ts';

const grant = (scope: string) => ({ scopes: scope.split(' ').filter(Boolean), ownerId: '1', refreshable: true });
const entry = (overrides: Parameters<typeof makeCallRecord>[0]): CallLogEntry => {
  const record = makeCallRecord(overrides);
  return { kind: 'record', record, raw: record };
};
const NONE = { Heavy: 0, Medium: 0, Light: 0, Auth: 0 };

describe('app scopes', () => {
  it('all four: ok', () => {
    expect(checkScopes(grant('ReadCallLog ReadAccounts ReadMessages ReadCallRecording')).status).toBe('ok');
  });

  it('a required scope missing: fail, naming it and where the app setting is', () => {
    const checked = checkScopes(grant('ReadAccounts ReadCallLog ReadCallRecording'));
    expect(checked.status).toBe('fail');
    expect(checked.found).toContain('missing ReadMessages');
    expect(checked.fix).toMatch(/^Add ReadMessages .*Developer Console → your app → Settings → Application scopes/);
  });

  it('only ReadCallRecording missing: a warning about recordings', () => {
    const checked = checkScopes(grant('ReadAccounts ReadCallLog ReadMessages'));
    expect(checked).toMatchObject({ status: 'warn', found: expect.stringContaining('recordings') });
  });

  it('a token response without scopes: a warning, not a guess', () => {
    expect(checkScopes(grant('')).status).toBe('warn');
  });
});

describe('voicemail references', () => {
  const voicemailLeg = { startTime: '2026-11-20T09:00:00Z', result: 'Voicemail', legType: 'Voicemail', message: { id: '701', type: 'VoiceMail', uri: 'u' } };

  it('counts calls that look like voicemail and the references on records and legs', () => {
    const counts = countReferences([
      entry({ result: 'Voicemail', message: { id: '700', type: 'VoiceMail', uri: 'u' } }),
      entry({ result: 'Missed', legs: [voicemailLeg] }),
      entry({ result: 'Sent to Voicemail' }),
      entry({ result: 'Accepted' }),
      { kind: 'tombstone', id: 'gone' },
    ]);
    expect(counts).toEqual({ records: 4, voicemailLooking: 3, withReference: 2, legsWithReference: 1, voicemailWithReference: 2 });
  });

  it('voicemail-looking calls without any reference: a warning (linking relies on matching)', () => {
    const checked = checkVoicemailReferences([entry({ result: 'voicemail' }), entry({ result: 'Accepted' })]);
    expect(checked).toMatchObject({ status: 'warn', fix: expect.stringContaining('by caller and time') });
  });

  it('no calls: nothing to warn about', () => {
    expect(checkVoicemailReferences([]).status).toBe('ok');
  });
});

describe('rate limits', () => {
  it('announced defaults: ok, with what remains', () => {
    const checked = checkRateLimits({ Heavy: { limit: 10, windowSec: 60, remaining: 8 } }, { ...NONE, Heavy: 2 }, 0);
    expect(checked).toMatchObject({ status: 'ok', found: 'Heavy 10/60 s, 8 left' });
  });

  it('a group used without X-Rate-Limit headers: a warning naming it', () => {
    const checked = checkRateLimits({ Heavy: { limit: 10, windowSec: 60 } }, { ...NONE, Heavy: 2, Light: 3 }, 0);
    expect(checked).toMatchObject({ status: 'warn', found: expect.stringContaining('no X-Rate-Limit headers for Light') });
  });

  it('limits below the defaults: a warning comparing them', () => {
    const checked = checkRateLimits({ Heavy: { limit: 5, windowSec: 60 } }, { ...NONE, Heavy: 1 }, 0);
    expect(checked).toMatchObject({ status: 'warn', found: 'Heavy 5/60 s (default 10/60 s)' });
  });

  it('429s during the run: a warning that something else spends the budget', () => {
    const checked = checkRateLimits({ Light: { limit: 50, windowSec: 60, remaining: 0 } }, { ...NONE, Light: 2 }, 1);
    expect(checked).toMatchObject({ status: 'warn', found: expect.stringContaining('1 answer was 429') });
  });
});

describe('which other mailbox to ask about', () => {
  const ext = (id: string, type: string, status = 'Enabled'): ExtensionRecord => ({ id, type, status, name: id, extensionNumber: id, uri: null });

  it('an enabled user other than the JWT user, before departments, disabled users and IVR menus', () => {
    expect(pickOther([ext('1', 'User'), ext('2', 'IvrMenu'), ext('3', 'Department'), ext('4', 'User', 'Disabled'), ext('5', 'User')], '1')?.id).toBe('5');
    expect(pickOther([ext('1', 'User'), ext('2', 'IvrMenu'), ext('3', 'Department')], '1')?.id).toBe('3');
    expect(pickOther([ext('1', 'User'), ext('2', 'IvrMenu')], '1')).toBeUndefined();
  });
});

describe('the report as text', () => {
  it('one line per check, then the fixes of the ones not ok, the requests and the verdict', () => {
    const checks = CHECKS.map(({ id }) => result(id, 'ok', `${id} fine`));
    checks[3] = result('other-mailboxes', 'fail', 'refused', { fix: 'Give the JWT user the Super Admin role.', errorCode: 'CMN-419' });
    const report: DoctorReport = { ok: false, serverUrl: 'https://platform.ringcentral.com', demo: false, user: undefined, checks, requests: { Heavy: 2, Medium: 1, Light: 5, Auth: 0 }, rateLimited: 0 };
    const lines = formatReport(report).split('\n');
    expect(lines.filter((l) => /^ ?\d /.test(l))).toHaveLength(CHECKS.length + 1);
    expect(lines.find((l) => l.startsWith(' 4 '))).toMatch(/^ 4 other mailboxes +FAIL +refused$/);
    expect(lines).toContain(' 4 FAIL other mailboxes [CMN-419]: Give the JWT user the Super Admin role.');
    expect(lines).toContain('requests: Heavy 2, Medium 1, Light 5, Auth 0; 429s 0');
    expect(lines.at(-2)).toMatch(/^result: 1 failed, 0 warnings/);
  });
});
