// The JWT user's role through the real @ringcentral/sdk: a Super Admin reads every mailbox; a lower
// role ('UserAdmin') gets RingCentral's 403 CMN-419 for any other extension's message store (list, by
// id, batch, content, message-sync) while its own mailbox, the call log and the extension list stay
// readable; the role switches at runtime both ways; authz-profile answers per the OpenAPI spec.

import { SDK } from '@ringcentral/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExact, startSimulator, type GroundTruth, type Simulator, type SimulatorOptions, type TruthMessage } from '../../src/simulator/index.ts';
import { historyDays, TO } from './helpers.ts';

const CMN_419 = 'In order to call this API endpoint for another extension, user needs to have [ReadMessages] permission granted with extended scope';
const dateFrom = new Date(TO.getTime() - 4 * 86_400_000).toISOString();
const dateTo = TO.toISOString();

let sim: Simulator;
let sdk: SDK;
let truth: GroundTruth;
let prefix = 0;

async function connect(opts: SimulatorOptions = {}): Promise<ReturnType<SDK['platform']>> {
  sim = await startSimulator({ seed: 12, history: historyDays(3, 1500), rateLimits: false, ...opts });
  sdk = new SDK({ server: sim.url, clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret, cachePrefix: `sim-perm-${prefix++}-` });
  await sdk.platform().login({ jwt: sim.credentials.jwt });
  truth = sim.truth();
  return sdk.platform();
}

afterEach(() => sim?.close());

const ext = (id: string | number): string => `/restapi/v1.0/account/~/extension/${id}`;

/** Status and body of a GET, whether the SDK resolved or threw. */
async function attempt(platform: ReturnType<SDK['platform']>, path: string, query?: Record<string, unknown>): Promise<{ status: number; body: any; text: string }> {
  const response = await platform.get(path, query).then(
    (r) => r,
    (e: any) => {
      if (!e.response) throw e;
      return e.response as Response;
    },
  );
  const text = await response.clone().text();
  let body: any = text;
  try {
    body = parseExact(text);
  } catch {
    // multipart or audio
  }
  return { status: response.status, body, text };
}

/** Two alive voicemails of the same mailbox other than the JWT user's. */
function otherMailboxPair(): [TruthMessage, TruthMessage] {
  const admin = String(truth.extensions[0]!.id);
  const byBox = new Map<string, TruthMessage[]>();
  for (const m of truth.messages) {
    if (m.availability !== 'Alive' || m.mailboxExtensionId === admin) continue;
    byBox.set(m.mailboxExtensionId, [...(byBox.get(m.mailboxExtensionId) ?? []), m]);
  }
  const [, list] = [...byBox].find(([, l]) => l.length >= 2)!;
  return [list[0]!, list[1]!];
}

function expectCmn419(reply: { status: number; body: any }): void {
  expect(reply.status).toBe(403);
  expect(reply.body).toEqual({
    errorCode: 'CMN-419',
    message: CMN_419,
    errors: [{ errorCode: 'CMN-419', message: CMN_419, permissionsName: 'ReadMessages' }],
  });
}

describe('a Super Admin JWT user (the default)', () => {
  it('reads another extension by id in a batch: 207 multipart, one part per id, split by sdk.multipart', async () => {
    const platform = await connect();
    const [a, b] = otherMailboxPair();
    const response = await platform.get(`${ext(a.mailboxExtensionId)}/message-store/${a.id},${b.id}`);
    expect(response.status).toBe(207);
    const parts = await sdk.multipart(response);
    expect(await Promise.all(parts.map(async (p) => parseExact(await p.text())))).toEqual([a.message, b.message]);
    expect(sim.stats().messageBatches).toEqual({ requests: 1, ids: 2, maxIds: 2 });
    expect(sim.stats().permissionDenied).toBe(0);
  });
});

describe("a lower role ('UserAdmin')", () => {
  it("gets 403 CMN-419 for every message-store endpoint of another extension, a batch refused as a whole", async () => {
    const platform = await connect({ adminRole: 'UserAdmin' });
    const [a, b] = otherMailboxPair();
    const box = ext(a.mailboxExtensionId);
    expectCmn419(await attempt(platform, `${box}/message-store`, { dateFrom, dateTo }));
    expectCmn419(await attempt(platform, `${box}/message-store/${a.id}`));
    expectCmn419(await attempt(platform, `${box}/message-store/${a.id},${b.id}`));
    expectCmn419(await attempt(platform, `${box}/message-store/${a.id}/content/${a.id}`));
    expectCmn419(await attempt(platform, `${box}/message-sync`, { syncType: 'FSync', dateFrom, dateTo }));
    const stats = sim.stats();
    expect(stats.permissionDenied).toBe(5);
    expect(stats.messageBatches).toEqual({ requests: 1, ids: 2, maxIds: 2 });
    expect(stats.endpoints).toMatchObject({ messageList: 1, messageById: 2, messageContent: 1, messageSync: 1 });
  });

  it('still reads its own mailbox (~ and its own id), the call log and the extension list', async () => {
    const platform = await connect({ adminRole: 'UserAdmin' });
    const admin = String(truth.extensions[0]!.id);
    const own = truth.messages.filter((m) => m.mailboxExtensionId === admin);
    expect(own.length).toBeGreaterThan(0);
    for (const id of ['~', admin]) {
      const sync = await attempt(platform, `${ext(id)}/message-sync`, { syncType: 'FSync', dateFrom, dateTo });
      expect(sync.status).toBe(200);
      expect(sync.body.records).toEqual(own.map((m) => m.message));
    }
    const byId = await attempt(platform, `${ext('~')}/message-store/${own[0]!.id}`);
    expect(byId.body).toEqual(own[0]!.message);
    const log = await attempt(platform, '/restapi/v1.0/account/~/call-log', { dateFrom, dateTo, perPage: 10 });
    expect(log.status).toBe(200);
    expect(log.body.records).toHaveLength(10);
    const list = await attempt(platform, '/restapi/v1.0/account/~/extension', { perPage: 1000 });
    expect(list.body.records.map((e: any) => e.id)).toEqual(truth.extensions.map((e) => e.id));
    expect(sim.stats().permissionDenied).toBe(0);
  });

  it('is granted the permission later (faults.adminRole), and loses it again (POST /__sim/faults)', async () => {
    const platform = await connect({ adminRole: 'UserAdmin' });
    const [a] = otherMailboxPair();
    const path = `${ext(a.mailboxExtensionId)}/message-store/${a.id}`;
    expectCmn419(await attempt(platform, path));
    sim.faults.adminRole = 'SuperAdmin';
    expect((await attempt(platform, path)).body).toEqual(a.message);
    const res = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ adminRole: 'UserAdmin' }) });
    expect(res.status).toBe(200);
    expect(sim.faults.adminRole).toBe('UserAdmin');
    expectCmn419(await attempt(platform, path));
    // clear restores the role the simulator started with, not Super Admin.
    sim.faults.set({ adminRole: 'SuperAdmin' });
    sim.faults.clear();
    expect(sim.faults.adminRole).toBe('UserAdmin');
    const bad = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ adminRole: 'Owner' }) });
    expect(bad.status).toBe(400);
  });

  it('a Super Admin demoted at runtime is refused the next ISync of a mailbox it synced before', async () => {
    const platform = await connect();
    const [a] = otherMailboxPair();
    const box = ext(a.mailboxExtensionId);
    const fsync = await attempt(platform, `${box}/message-sync`, { syncType: 'FSync', dateFrom, dateTo });
    expect(fsync.status).toBe(200);
    sim.faults.set({ adminRole: 'UserAdmin' });
    expectCmn419(await attempt(platform, `${box}/message-sync`, { syncType: 'ISync', syncToken: fsync.body.syncInfo.syncToken }));
  });
});

describe('forbiddenMailboxes fault', () => {
  it('refuses exactly the named mailboxes with CMN-419, even to a Super Admin', async () => {
    const platform = await connect();
    const [a] = otherMailboxPair();
    const other = truth.messages.find((m) => m.mailboxExtensionId !== a.mailboxExtensionId && m.availability === 'Alive')!;
    sim.faults.set({ forbiddenMailboxes: [a.mailboxExtensionId] });
    expectCmn419(await attempt(platform, `${ext(a.mailboxExtensionId)}/message-store/${a.id}`));
    expect((await attempt(platform, `${ext(other.mailboxExtensionId)}/message-store/${other.id}`)).body).toEqual(other.message);
    const check = await attempt(platform, `${ext('~')}/authz-profile/check`, { permissionId: 'ReadMessages', targetExtensionId: a.mailboxExtensionId });
    expect(check.body.successful).toBe(false);
    sim.faults.set({ forbiddenMailboxes: [] });
    expect((await attempt(platform, `${ext(a.mailboxExtensionId)}/message-store/${a.id}`)).status).toBe(200);
  });
});

describe('authz-profile', () => {
  it('check: true for a Super Admin on another extension, false under the lower role, true for its own', async () => {
    const platform = await connect();
    const admin = String(truth.extensions[0]!.id);
    const other = String(truth.extensions[3]!.id);
    const check = (target?: string) => attempt(platform, `${ext('~')}/authz-profile/check`, { permissionId: 'ReadMessages', ...(target ? { targetExtensionId: target } : {}) });
    const superAdmin = await check(other);
    expect(superAdmin.status).toBe(200);
    expect(superAdmin.body).toEqual({
      uri: `${sim.url}/restapi/v1.0/account/${sim.accountId}/extension/${admin}/authz-profile/check?permissionId=ReadMessages&targetExtensionId=${other}`,
      successful: true,
      details: {
        permission: { uri: `${sim.url}/restapi/v1.0/dictionary/permission/ReadMessages`, id: 'ReadMessages' },
        effectiveRole: { uri: `${sim.url}/restapi/v1.0/account/${sim.accountId}/user-role/1`, id: '1' },
        scopes: ['Self', 'AllExtensions'],
      },
    });
    sim.faults.adminRole = 'UserAdmin';
    const lower = await check(other);
    expect(lower.body.successful).toBe(false);
    expect(lower.body.details.scopes).toEqual(['Self']);
    expect((await check(admin)).body.successful).toBe(true);
    expect((await check()).body.successful).toBe(true);
    expect(sim.stats().requests.Light).toBe(4);
    expect(sim.stats().endpoints.authzProfile).toBe(4);
  });

  it('check: 400 CMN-101 for an unknown permissionId or targetExtensionId; 403 CMN-404 for another extension in the path', async () => {
    const platform = await connect();
    const unknown = await attempt(platform, `${ext('~')}/authz-profile/check`, { permissionId: 'ReadMinds' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ errorCode: 'CMN-101', parameterName: 'permissionId', parameterValue: 'ReadMinds' });
    const target = await attempt(platform, `${ext('~')}/authz-profile/check`, { permissionId: 'ReadMessages', targetExtensionId: '123' });
    expect(target.status).toBe(400);
    expect(target.body.errors[0]).toMatchObject({ errorCode: 'CMN-101', parameterName: 'targetExtensionId' });
    const foreign = await attempt(platform, `${ext(truth.extensions[2]!.id)}/authz-profile/check`, { permissionId: 'ReadMessages' });
    expect([foreign.status, foreign.body.errorCode]).toEqual([403, 'CMN-404']);
  });

  it('profile (Medium) lists ReadMessages with the extended scope only for a Super Admin', async () => {
    const platform = await connect();
    const read = async () => {
      const reply = await attempt(platform, `${ext('~')}/authz-profile`);
      expect(reply.status).toBe(200);
      return reply.body.permissions.find((p: any) => p.permission.id === 'ReadMessages');
    };
    expect((await read()).scopes).toContain('AllExtensions');
    sim.faults.adminRole = 'UserAdmin';
    expect((await read()).scopes).toEqual(['Self']);
    expect(sim.stats().requests.Medium).toBe(2);
  });
});
