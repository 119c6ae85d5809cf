// The real @ringcentral/sdk against the simulator: login, auto-refresh, paging, 429 handling, batch.

import { SDK } from '@ringcentral/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExact, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { historyDays, TO } from './helpers.ts';

let sim: Simulator;
let prefix = 0;

async function connect(opts: SimulatorOptions = {}): Promise<SDK> {
  sim = await startSimulator({ seed: 4, history: historyDays(2, 300), rateLimits: false, ...opts });
  // Separate cache prefixes: SDK instances in one process otherwise share auth (api-notes §1.3).
  const sdk = new SDK({ server: sim.url, clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret, cachePrefix: `sim-test-${prefix++}-` });
  await sdk.platform().login({ jwt: sim.credentials.jwt });
  return sdk;
}

afterEach(() => sim?.close());

describe('@ringcentral/sdk against the simulator', () => {
  it('logs in with the JWT and pages through the call log via navigation', async () => {
    const platform = (await connect()).platform();
    const truth = sim.truth().calls.filter((c) => !c.deleted);
    const ids: string[] = [];
    let response = await platform.get('/restapi/v1.0/account/~/call-log', {
      view: 'Detailed',
      dateFrom: new Date(TO.getTime() - 3 * 86_400_000).toISOString(),
      dateTo: TO.toISOString(),
      perPage: 100,
    });
    for (;;) {
      const body = (await response.json()) as any;
      ids.push(...body.records.map((r: any) => r.id));
      if (!body.navigation.nextPage) break;
      response = await platform.get(body.navigation.nextPage.uri);
    }
    expect(ids).toEqual(truth.map((c) => c.id));
    expect((await platform.auth().data()).owner_id).toBe(String(sim.truth().extensions[0]!.id));
  });

  it('refreshes the token by itself when it is about to expire, and the old pair stops working', async () => {
    const sdk = await connect();
    const platform = sdk.platform();
    const before = await platform.auth().data();
    await platform.refresh();
    const after = await platform.auth().data();
    expect(after.access_token).not.toBe(before.access_token);
    expect(sim.stats().tokenGrants).toEqual({ jwt: 1, refresh_token: 1 });
    expect((await platform.get('/restapi/v1.0/account/~')).status).toBe(200);
    const stale = await fetch(`${sim.url}/restapi/v1.0/account/~`, { headers: { Authorization: `Bearer ${before.access_token}` } });
    expect(stale.status).toBe(401);
  });

  it('after revokeTokens the SDK cannot refresh (invalid_grant) until it logs in with the JWT again', async () => {
    const platform = (await connect()).platform();
    sim.faults.revokeTokens();
    const error = await platform.get('/restapi/v1.0/account/~').catch((e: any) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.response?.status).toBe(400);
    expect(((await error.response.clone().json()) as any).error).toBe('invalid_grant');
    await platform.login({ jwt: sim.credentials.jwt });
    expect((await platform.get('/restapi/v1.0/account/~')).status).toBe(200);
    await platform.logout();
    expect(sim.stats().revocations).toBe(1);
  });

  it('surfaces a 429 with its CMN-301 body and Retry-After', async () => {
    const platform = (await connect({ rateLimits: { Heavy: { limit: 1, windowSec: 1, penaltySec: 1 } } })).platform();
    await platform.get('/restapi/v1.0/account/~/call-log');
    const error = await platform.get('/restapi/v1.0/account/~/call-log').catch((e: any) => e);
    expect(error.response.status).toBe(429);
    expect(error.response.headers.get('retry-after')).toBe('1');
    expect(((await error.response.clone().json()) as any).errors[0].errorCode).toBe('CMN-301');
  });

  it('splits a 207 batch of records with sdk.multipart', async () => {
    const sdk = await connect();
    const [a, b] = sim.truth().calls.filter((c) => !c.deleted);
    const response = await sdk.platform().get(`/restapi/v1.0/account/~/call-log/${a!.id},${b!.id}`);
    expect(response.status).toBe(207);
    const parts = await sdk.multipart(response);
    const records = await Promise.all(parts.map((p) => p.json()));
    expect(records.map((r: any) => r.id)).toEqual([a!.id, b!.id]);
  });

  it('syncs a mailbox with message-sync (FSync, ISync), reads int64 ids exactly, and surfaces MSG-333', async () => {
    const sdk = await connect({ history: historyDays(3, 1500) });
    const platform = sdk.platform();
    const truth = sim.truth();
    const big = truth.messages.find((m) => BigInt(m.id) > 2n ** 53n && m.availability === 'Alive')!;
    const path = `/restapi/v1.0/account/~/extension/${big.mailboxExtensionId}`;
    const dateFrom = new Date(TO.getTime() - 4 * 86_400_000).toISOString();
    const fsync = await platform.get(`${path}/message-sync`, { syncType: 'FSync', messageType: ['VoiceMail'], dateFrom, dateTo: TO.toISOString() });
    const text = await fsync.text();
    expect(text).toContain(`"id":${big.id},`);
    const body = parseExact(text) as any;
    const expected = truth.messages.filter((m) => m.mailboxExtensionId === big.mailboxExtensionId);
    expect(body.records).toEqual(expected.map((m) => m.message));
    const isync = await platform.get(`${path}/message-sync`, { syncType: 'ISync', syncToken: body.syncInfo.syncToken });
    expect(((await isync.json()) as any).syncInfo.syncType).toBe('ISync');
    const batch = await platform.get(`${path}/message-store/${expected[0]!.id},${expected[1]!.id}`);
    expect(batch.status).toBe(207);
    const parts = await sdk.multipart(batch);
    expect(await Promise.all(parts.map(async (p) => parseExact(await p.text())))).toEqual([expected[0]!.message, expected[1]!.message]);
    sim.faults.invalidateMessageSyncTokens();
    const error = await platform.get(`${path}/message-sync`, { syncType: 'ISync', syncToken: body.syncInfo.syncToken }).catch((e: any) => e);
    expect(error.response.status).toBe(400);
    expect(((await error.response.clone().json()) as any).errorCode).toBe('MSG-333');
  });
});
