import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { basic, FakeClock, get, historyDays, JWT_GRANT, login, tokenRequest } from './helpers.ts';

const ACCOUNT = '/restapi/v1.0/account/~';
let sim: Simulator;

async function start(opts: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ history: historyDays(1, 50), rateLimits: false, ...opts });
  return sim;
}

afterEach(() => sim?.close());

describe('OAuth token endpoint', () => {
  it('grants a TokenInfo for the JWT with Basic client credentials', async () => {
    await start();
    const reply = await tokenRequest(sim, { grant_type: JWT_GRANT, assertion: 'sim-jwt' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ token_type: 'bearer', expires_in: 3600, refresh_token_expires_in: 604800 });
    for (const field of ['access_token', 'refresh_token', 'scope', 'owner_id', 'endpoint_id', 'session_id']) {
      expect(typeof reply.body[field], field).toBe('string');
    }
    expect(reply.headers.get('x-rate-limit-group')).toBe('Auth');
    expect(reply.headers.get('rcrequestid')).toBeTruthy();
    expect(sim.stats().tokenGrants.jwt).toBe(1);
  });

  it('honours access_token_ttl / refresh_token_ttl within the documented ranges', async () => {
    await start();
    expect((await login(sim, { access_token_ttl: '900', refresh_token_ttl: '7200' })).body).toMatchObject({ expires_in: 900, refresh_token_expires_in: 7200 });
    // Below the documented minimum of 600 s: clamped.
    expect((await login(sim, { access_token_ttl: '5' })).body.expires_in).toBe(600);
  });

  it('rejects wrong client credentials and a wrong JWT in the OAuth error shape', async () => {
    await start();
    const badClient = await tokenRequest(sim, { grant_type: JWT_GRANT, assertion: 'sim-jwt' }, `Basic ${Buffer.from('x:y').toString('base64')}`);
    expect(badClient.status).toBe(401);
    expect(badClient.body).toMatchObject({ error: 'invalid_client', errors: [{ errorCode: 'OAU-123' }] });
    const noClient = await tokenRequest(sim, { grant_type: JWT_GRANT, assertion: 'sim-jwt' }, '');
    expect(noClient.body.errors[0].errorCode).toBe('OAU-123');
    const badJwt = await tokenRequest(sim, { grant_type: JWT_GRANT, assertion: 'nope' });
    expect(badJwt.status).toBe(400);
    expect(badJwt.body).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String), errors: [{ errorCode: 'OAU-140' }] });
    const password = await tokenRequest(sim, { grant_type: 'password', username: 'a', password: 'b' });
    expect(password.body).toMatchObject({ error: 'unauthorized_client', errors: [{ errorCode: 'OAU-251' }] });
    expect(sim.stats().tokenErrors).toBe(4);
  });

  it('makes refresh tokens single use and kills the old access token on refresh', async () => {
    await start();
    const first = await login(sim);
    const refreshed = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: first.refresh });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.session_id).toBe(first.body.session_id);
    const reuse = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: first.refresh });
    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({ error: 'invalid_grant', errors: [{ errorCode: 'OAU-211' }] });
    expect((await get(sim, first.access, ACCOUNT)).body.errors[0].errorCode).toBe('OAU-213');
    expect((await get(sim, refreshed.body.access_token, ACCOUNT)).status).toBe(200);
    expect(sim.stats().tokenGrants).toEqual({ jwt: 1, refresh_token: 1 });
  });

  it('lets only one of two concurrent refreshes with the same token through (two processes sharing a session)', async () => {
    await start();
    const first = await login(sim);
    const replies = await Promise.all([1, 2].map(() => tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: first.refresh })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400]);
    const winner = replies.find((r) => r.status === 200)!;
    expect(replies.find((r) => r.status === 400)!.body.errors[0].errorCode).toBe('OAU-211');
    expect((await get(sim, first.access, ACCOUNT)).status).toBe(401);
    expect((await get(sim, winner.body.access_token, ACCOUNT)).status).toBe(200);
    // The winner's refresh token is good once, and then spent in turn.
    expect((await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: winner.body.refresh_token })).status).toBe(200);
    expect((await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: winner.body.refresh_token })).status).toBe(400);
    expect(sim.stats()).toMatchObject({ tokenGrants: { jwt: 1, refresh_token: 2 }, tokenErrors: 2, sessions: 1 });
  });

  it('revoking one token ends the session', async () => {
    await start();
    const session = await login(sim);
    const res = await fetch(`${sim.url}/restapi/oauth/revoke`, {
      method: 'POST',
      headers: { Authorization: basic(sim), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: session.refresh }),
    });
    expect(res.status).toBe(200);
    const reply = await get(sim, session.access, ACCOUNT);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ errorCode: 'TokenInvalid', message: 'Token not found', errors: [{ errorCode: 'OAU-213', message: 'Token not found' }] });
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="RingCentral REST API"');
  });
});

describe('bearer authentication', () => {
  it('answers 401 OAU-128 for an expired access token and OAU-210 for an expired refresh token', async () => {
    const clock = new FakeClock(Date.parse('2026-11-21T00:00:00Z'));
    await start({ clock: clock.fn, accessTokenTtlSec: 60, refreshTokenTtlSec: 120 });
    const session = await login(sim);
    expect(session.body).toMatchObject({ expires_in: 60, refresh_token_expires_in: 120 });
    clock.advance(61_000);
    const expired = await get(sim, session.access, ACCOUNT);
    expect(expired.status).toBe(401);
    expect(expired.body.errors[0].errorCode).toBe('OAU-128');
    expect(expired.headers.get('www-authenticate')).toContain('Bearer');
    clock.advance(60_000);
    const refresh = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: session.refresh });
    expect(refresh.body).toMatchObject({ error: 'invalid_grant', errors: [{ errorCode: 'OAU-210' }] });
  });

  it('rejects a missing Authorization header with AGW-402 and still sends rate headers', async () => {
    await start();
    const res = await fetch(`${sim.url}${ACCOUNT}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].errorCode).toBe('AGW-402');
    expect(res.headers.get('x-rate-limit-group')).toBe('Light');
    expect(res.headers.get('rcrequestid')).toBeTruthy();
  });

  it('revokeTokens() invalidates every access and refresh token', async () => {
    await start();
    const a = await login(sim);
    const b = await login(sim);
    sim.faults.revokeTokens();
    expect((await get(sim, a.access, ACCOUNT)).body.errors[0].errorCode).toBe('OAU-213');
    expect((await get(sim, b.access, ACCOUNT)).status).toBe(401);
    const refresh = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: b.refresh });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
    expect((await get(sim, (await login(sim)).access, ACCOUNT)).status).toBe(200);
  });

  it('with maxSessions, a new JWT login invalidates the oldest session (OAU-213)', async () => {
    await start({ maxSessions: 2 });
    const s1 = await login(sim);
    const s2 = await login(sim);
    const s3 = await login(sim);
    expect((await get(sim, s1.access, ACCOUNT)).body.errors[0].errorCode).toBe('OAU-213');
    expect((await get(sim, s2.access, ACCOUNT)).status).toBe(200);
    expect((await get(sim, s3.access, ACCOUNT)).status).toBe(200);
    expect(sim.stats().sessions).toBe(2);
  });
});
