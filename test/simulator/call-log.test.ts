import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type TruthCall } from '../../src/simulator/index.ts';
import { CALL_LOG, DAY, get, historyDays, login, TO, walkPages } from './helpers.ts';

let sim: Simulator;
let token: string;
let truth: TruthCall[];
const dateTo = TO.toISOString();
const dateFrom = new Date(TO.getTime() - 3 * DAY).toISOString();

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, history: historyDays(4, 1200), rateLimits: false });
  token = (await login(sim)).access;
  truth = sim.truth().calls;
});
afterAll(() => sim.close());

/** Truth records in [from, to), newest first, optionally with deleted ones. */
function expectedIds(from: string, to: string, withDeleted = false): string[] {
  return truth
    .filter((c) => c.record.startTime >= from && c.record.startTime < to && (withDeleted || !c.deleted))
    .map((c) => c.id);
}

describe('call-log list', () => {
  it('walks every record in a pinned window exactly once, newest first', async () => {
    const walk = await walkPages(sim, token, { dateFrom, dateTo, perPage: '37', view: 'Detailed' });
    const expected = expectedIds(dateFrom, dateTo);
    expect(expected.length).toBeGreaterThan(500);
    expect(new Set(walk.ids).size).toBe(walk.ids.length);
    expect(walk.ids).toEqual(expected);
    expect(walk.pages).toBe(Math.ceil(expected.length / 37));
    const starts = walk.records.map((r) => r.startTime);
    expect([...starts].sort().reverse()).toEqual(starts);
  });

  it('reports paging and navigation per api-notes §2.3', async () => {
    const reply = await get(sim, token, CALL_LOG, { dateFrom, dateTo, perPage: '100', page: '2' });
    const total = expectedIds(dateFrom, dateTo).length;
    expect(reply.body.paging).toEqual({ page: 2, perPage: 100, pageStart: 100, pageEnd: 199, totalPages: Math.ceil(total / 100), totalElements: total });
    const nav = reply.body.navigation;
    for (const key of ['firstPage', 'nextPage', 'previousPage', 'lastPage']) expect(nav[key].uri.startsWith(sim.url)).toBe(true);
    expect(new URL(nav.nextPage.uri).searchParams.get('page')).toBe('3');
    expect(new URL(nav.nextPage.uri).searchParams.get('dateTo')).toBe(dateTo);
    expect(reply.body.uri).toContain(`/account/${sim.accountId}/call-log`);
  });

  it('bounds the window as dateFrom <= startTime < dateTo', async () => {
    const pivot = truth.find((c) => !c.deleted)!.record.startTime;
    const including = await get(sim, token, CALL_LOG, { dateFrom: pivot, dateTo, perPage: '1000' });
    expect(including.body.records.at(-1).startTime).toBe(pivot);
    const excluding = await get(sim, token, CALL_LOG, { dateFrom, dateTo: pivot, perPage: '1000' });
    expect(excluding.body.records.some((r: any) => r.startTime === pivot)).toBe(false);
  });

  it('defaults to view=Simple without legs, billing and lastModifiedTime', async () => {
    const simple = (await get(sim, token, CALL_LOG, { dateFrom, dateTo, perPage: '20' })).body.records;
    const detailed = (await get(sim, token, CALL_LOG, { dateFrom, dateTo, perPage: '20', view: 'Detailed' })).body.records;
    expect(simple.map((r: any) => r.id)).toEqual(detailed.map((r: any) => r.id));
    for (const r of simple) {
      expect(r.legs).toBeUndefined();
      expect(r.billing).toBeUndefined();
      expect(r.lastModifiedTime).toBeUndefined();
      expect(r.uri).toMatch(/\?view=Simple$/);
    }
    for (const r of detailed) {
      expect(Array.isArray(r.legs)).toBe(true);
      expect(r.lastModifiedTime).toBeDefined();
      for (const leg of r.legs) {
        expect(leg).not.toHaveProperty('id');
        expect(leg).not.toHaveProperty('uri');
      }
    }
  });

  it('hides deleted records unless showDeleted=true, then marks them deleted: true', async () => {
    const deleted = truth.filter((c) => c.deleted && c.record.startTime >= dateFrom && c.record.startTime < dateTo);
    expect(deleted.length).toBeGreaterThan(0);
    const hidden = await walkPages(sim, token, { dateFrom, dateTo, perPage: '1000' });
    const shown = await walkPages(sim, token, { dateFrom, dateTo, perPage: '1000', showDeleted: 'true', view: 'Detailed' });
    expect(shown.ids).toEqual(expectedIds(dateFrom, dateTo, true));
    for (const d of deleted) {
      expect(hidden.ids).not.toContain(d.id);
      expect(shown.records.find((r) => r.id === d.id)).toEqual(d.record);
    }
    expect(deleted[0]!.record.deleted).toBe(true);
  });

  it('follows navigation when totals are omitted', async () => {
    const omit = await startSimulator({ seed: 5, history: historyDays(4, 1200), rateLimits: false, omitTotals: true });
    try {
      const t = (await login(omit)).access;
      const first = await get(omit, t, CALL_LOG, { dateFrom, dateTo, perPage: '250' });
      expect(first.body.paging.totalPages).toBeUndefined();
      expect(first.body.paging.totalElements).toBeUndefined();
      expect(first.body.navigation.lastPage).toBeUndefined();
      const walk = await walkPages(omit, t, { dateFrom, dateTo, perPage: '250' });
      expect(walk.ids).toEqual(expectedIds(dateFrom, dateTo));
    } finally {
      await omit.close();
    }
  });

  it('omits page/pageStart/pageEnd on an empty page', async () => {
    const reply = await get(sim, token, CALL_LOG, { dateFrom: '2020-01-01T00:00:00Z', dateTo: '2020-01-02T00:00:00Z' });
    expect(reply.body.records).toEqual([]);
    expect(reply.body.paging).toEqual({ perPage: 100, totalPages: 0, totalElements: 0 });
    expect(reply.body.navigation.nextPage).toBeUndefined();
  });

  it('defaults dateFrom to dateTo - 24h', async () => {
    const reply = await get(sim, token, CALL_LOG, { dateTo, perPage: '1000' });
    expect(reply.body.records.map((r: any) => r.id)).toEqual(expectedIds(new Date(TO.getTime() - DAY).toISOString(), dateTo));
  });

  it('clamps perPage above 1000 and accepts "max"', async () => {
    const window = { dateFrom: new Date(TO.getTime() - 4 * DAY).toISOString(), dateTo };
    expect((await get(sim, token, CALL_LOG, { ...window, perPage: '5000' })).body.paging.perPage).toBe(1000);
    expect((await get(sim, token, CALL_LOG, { ...window, perPage: 'max' })).body.records.length).toBe(1000);
  });

  it.each([
    ['dateFrom', 'yesterday'],
    ['dateTo', '2026-13-45T99:00:00Z'],
    ['perPage', '0'],
    ['page', '0'],
    ['view', 'Verbose'],
    ['direction', 'Sideways'],
    ['showDeleted', 'maybe'],
    ['recordingType', 'Sometimes'],
  ])('answers 400 CMN-101 for %s=%s', async (name, value) => {
    const reply = await get(sim, token, CALL_LOG, { [name]: value });
    expect(reply.status).toBe(400);
    const message = `Parameter [${name}] value is invalid`;
    expect(reply.body).toEqual({ errorCode: 'CMN-101', message, errors: [{ errorCode: 'CMN-101', message, parameterName: name, parameterValue: value }] });
  });

  it('answers 404 CMN-102 for another account', async () => {
    const reply = await get(sim, token, '/restapi/v1.0/account/12345/call-log');
    expect(reply.status).toBe(404);
    expect(reply.body.errors[0]).toMatchObject({ errorCode: 'CMN-102', parameterName: 'accountId' });
  });
});

describe('call-log filters', () => {
  const window = { dateFrom, dateTo, perPage: '1000', view: 'Detailed' };
  const live = (): TruthCall[] => truth.filter((c) => !c.deleted && c.record.startTime >= dateFrom && c.record.startTime < dateTo);

  it('direction', async () => {
    const reply = await walkPages(sim, token, { ...window, direction: 'Outbound' });
    expect(reply.ids).toEqual(live().filter((c) => c.record.direction === 'Outbound').map((c) => c.id));
  });

  it('recordingType=All returns exactly the recorded calls', async () => {
    const recorded = live().filter((c) => c.record.recording || c.record.legs?.some((l) => l.recording));
    expect(recorded.length).toBeGreaterThan(0);
    expect((await walkPages(sim, token, { ...window, recordingType: 'All' })).ids).toEqual(recorded.map((c) => c.id));
  });

  it('sessionId and telephonySessionId find one call; with extensionNumber sessionId is CLG-110', async () => {
    const call = live()[7]!;
    expect((await get(sim, token, CALL_LOG, { ...window, sessionId: call.record.sessionId })).body.records.map((r: any) => r.id)).toEqual([call.id]);
    expect((await get(sim, token, CALL_LOG, { ...window, telephonySessionId: call.record.telephonySessionId })).body.records.map((r: any) => r.id)).toEqual([call.id]);
    const both = await get(sim, token, CALL_LOG, { sessionId: call.record.sessionId, extensionNumber: '101' });
    expect(both.status).toBe(400);
    expect(both.body.errorCode).toBe('CLG-110');
  });

  it('extensionNumber matches calls any leg of that extension took part in', async () => {
    const ext = sim.truth().extensions.find((e) => e.extensionNumber === '500')!;
    const involved = live().filter((c) => c.record.extension?.id === ext.id || c.record.legs?.some((l) => l.extension?.id === ext.id));
    expect(involved.length).toBeGreaterThan(0);
    expect((await walkPages(sim, token, { ...window, extensionNumber: '500' })).ids).toEqual(involved.map((c) => c.id));
  });

  it('phoneNumber (digits, no +) matches the external party', async () => {
    const call = live().find((c) => c.record.direction === 'Outbound' && /^\+1\d{10}$/.test(c.record.to.phoneNumber ?? ''))!;
    const digits = call.record.to.phoneNumber!.slice(1);
    const ids = (await walkPages(sim, token, { ...window, phoneNumber: digits })).ids;
    expect(ids).toContain(call.id);
  });
});

describe('call-log record by id', () => {
  it('returns one record, 404 CMN-102 for unknown ids, 207 multipart for several', async () => {
    const [a, b] = truth.filter((c) => !c.deleted);
    const one = await get(sim, token, `${CALL_LOG}/${a!.id}`, { view: 'Detailed' });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(a!.record);
    const missing = await get(sim, token, `${CALL_LOG}/AAAAAAAAAAAAAAA`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].errorCode).toBe('CMN-102');
    const several = await get(sim, token, `${CALL_LOG}/${a!.id},${b!.id},nope`);
    expect(several.status).toBe(207);
    expect(several.headers.get('content-type')).toMatch(/^multipart\/mixed; boundary=/);
    expect(several.body).toContain('{"response":[{"status":200},{"status":200},{"status":404}]}');
  });
});
