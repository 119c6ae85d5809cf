import { describe, expect, it } from 'vitest';
import { workerSettings } from '../../src/cli/commands/worker.ts';
import { withKeepalives } from '../../src/workers/databases.ts';

const defaults = { concurrency: '8', slice: '300', lease: '30', poll: '1' };

describe('callsync worker flags', () => {
  it('defaults: eight accounts at once, 30 s leases, 5-minute slices, hostname:pid', () => {
    expect(workerSettings(defaults)).toEqual({ id: expect.stringMatching(new RegExp(`:${process.pid}$`)), concurrency: 8, leaseTtlMs: 30_000, sliceMs: 300_000, pollMs: 1_000 });
    expect(workerSettings({ ...defaults, id: ' eu-1 ' }).id).toBe('eu-1');
  });

  it.each([
    [{ concurrency: '0' }, /--concurrency must be a whole number from 1 to 64 \(got "0"\)/],
    [{ lease: '2' }, /--lease must be a whole number from 3 to 3600/],
    [{ slice: 'soon' }, /--slice must be a whole number/],
    [{ id: 'x'.repeat(201) }, /--id must be at most 200 characters/],
  ])('refuses %o, naming the flag', (flags, message) => {
    expect(() => workerSettings({ ...defaults, ...flags })).toThrow(message);
  });
});

describe('withKeepalives', () => {
  it('adds server-side keepalives to DATABASE_URL, keeping what it sets and its other parameters', () => {
    const url = new URL(withKeepalives('postgres://sync:p%40ss@db.example:5433/callsync?sslmode=require&tcp_keepalives_idle=60'));
    expect(Object.fromEntries(url.searchParams)).toEqual({ sslmode: 'require', tcp_keepalives_idle: '60', tcp_keepalives_interval: '5', tcp_keepalives_count: '3', tcp_user_timeout: '30000' });
    expect(url.password).toBe('p%40ss');
    expect(url.pathname).toBe('/callsync');
  });
});
