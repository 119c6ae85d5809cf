import { describe, expect, it } from 'vitest';
import { accessUsable, REFRESH_HANDICAP_MS, sessionAction, tokensOf } from '../../src/ringcentral/auth-storage.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;

/** A storage snapshot as the SDK writes it (its auth data, JSON, under `rc-platform`). */
function session(access: string, refresh: string, opts: { accessLeftMs?: number; refreshLeftMs?: number } = {}): Record<string, string> {
  return {
    'rc-platform': JSON.stringify({
      token_type: 'bearer',
      access_token: access,
      expires_in: '3600',
      expire_time: NOW + (opts.accessLeftMs ?? HOUR),
      refresh_token: refresh,
      refresh_token_expires_in: '604800',
      refresh_token_expire_time: NOW + (opts.refreshLeftMs ?? 7 * 24 * HOUR),
    }),
  };
}

describe('sessionAction (under the lock, with the stored session just read)', () => {
  it('adopts a stored session another process changed, without any token request', () => {
    // This process holds A1/R1, due for refresh; another process already refreshed it to A2/R2.
    const held = session('A1', 'R1', { accessLeftMs: 30_000 });
    const stored = session('A2', 'R2');
    expect(sessionAction(stored, held, undefined, NOW)).toEqual({ adopt: true, action: 'use' });
  });

  it('adopts the stored session when a request was refused with the held token (another process refreshed it away)', () => {
    const held = session('A1', 'R1');
    expect(sessionAction(session('A2', 'R2'), held, 'A1', NOW)).toEqual({ adopt: true, action: 'use' });
  });

  it('refreshes when the stored session is the one held and it is due', () => {
    const held = session('A1', 'R1', { accessLeftMs: REFRESH_HANDICAP_MS - 1 });
    expect(sessionAction(held, held, undefined, NOW)).toEqual({ adopt: false, action: 'refresh' });
  });

  it('refreshes when the stored token is the one a request was just refused with, though not yet due', () => {
    const held = session('A1', 'R1');
    expect(sessionAction(held, held, 'A1', NOW)).toEqual({ adopt: false, action: 'refresh' });
  });

  it("refreshes the stored session's refresh token, never the held one, when the stored one changed but is due too", () => {
    const held = session('A1', 'R1', { accessLeftMs: 0 });
    const stored = session('A2', 'R2', { accessLeftMs: 10_000 });
    expect(sessionAction(stored, held, undefined, NOW)).toEqual({ adopt: true, action: 'refresh' });
  });

  it('logs in when the stored refresh token has expired or was dropped', () => {
    const held = session('A1', 'R1', { accessLeftMs: 0 });
    expect(sessionAction(session('A1', 'R1', { accessLeftMs: 0, refreshLeftMs: 0 }), held, undefined, NOW).action).toBe('login');
    // Dropped by a process whose refresh was refused: the held refresh token is the same spent one.
    expect(sessionAction(session('', '', { accessLeftMs: -NOW, refreshLeftMs: -NOW }), session('A1', 'R1', { accessLeftMs: 0 }), undefined, NOW)).toEqual({ adopt: true, action: 'login' });
    expect(sessionAction({}, {}, undefined, NOW)).toEqual({ adopt: false, action: 'login' });
  });

  it('keeps the held session when nothing is stored (a new database), and logs in only when it cannot', () => {
    expect(sessionAction({}, session('A1', 'R1'), undefined, NOW)).toEqual({ adopt: false, action: 'use' });
    expect(sessionAction({}, session('A1', 'R1', { accessLeftMs: 0 }), undefined, NOW)).toEqual({ adopt: false, action: 'refresh' });
  });
});

describe('accessUsable and tokensOf', () => {
  it("applies the SDK's refresh margin and never calls a refused token usable", () => {
    expect(accessUsable(session('A1', 'R1', { accessLeftMs: REFRESH_HANDICAP_MS + 1 }), undefined, NOW)).toBe(true);
    expect(accessUsable(session('A1', 'R1', { accessLeftMs: REFRESH_HANDICAP_MS }), undefined, NOW)).toBe(false);
    expect(accessUsable(session('A1', 'R1'), 'A1', NOW)).toBe(false);
    expect(accessUsable(session('A1', 'R1'), 'A0', NOW)).toBe(true);
  });

  it('reads no session out of missing or unreadable data', () => {
    expect(tokensOf({})).toEqual({ accessToken: '', expireTime: 0, refreshToken: '', refreshExpireTime: 0 });
    expect(tokensOf({ 'rc-platform': 'not json' }).accessToken).toBe('');
  });
});
