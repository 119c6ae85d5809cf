import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type GroundTruth, type MessageJson, type Simulator, type TruthMessage } from '../../src/simulator/index.ts';
import { CALL_LOG, DAY, get, getExact, historyDays, idText, login, messageStore, TO } from './helpers.ts';

let sim: Simulator;
let token: string;
let truth: GroundTruth;
const dateTo = TO.toISOString();
const dateFrom = new Date(TO.getTime() - 3 * DAY).toISOString();
const TWO_53 = 2n ** 53n;

beforeAll(async () => {
  sim = await startSimulator({ seed: 21, history: historyDays(3, 2000), rateLimits: false });
  token = (await login(sim)).access;
  truth = sim.truth();
});
afterAll(() => sim.close());

/** Truth messages of one mailbox created in [from, to), newest first. */
function inMailbox(ext: string, from: string, to: string, keep: (m: TruthMessage) => boolean = (m) => m.availability === 'Alive'): TruthMessage[] {
  return truth.messages.filter((m) => m.mailboxExtensionId === ext && m.timeline.created >= from && m.timeline.created < to && keep(m));
}

function extId(number: string): string {
  return String(truth.extensions.find((e) => e.extensionNumber === number)!.id);
}

/** The mailbox with the most voicemails (the call queue, usually). */
function busiest(): string {
  const counts = new Map<string, number>();
  for (const m of truth.messages) counts.set(m.mailboxExtensionId, (counts.get(m.mailboxExtensionId) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

describe('message-store list', () => {
  it('walks a mailbox newest first, page by page via navigation, each record equal to the truth', async () => {
    const ext = busiest();
    const expected = inMailbox(ext, dateFrom, dateTo);
    expect(expected.length).toBeGreaterThan(20);
    const records: any[] = [];
    let reply = await getExact(sim, token, messageStore(ext), { dateFrom, dateTo, perPage: '7' });
    expect(reply.body.paging).toMatchObject({ page: 1, perPage: 7, pageStart: 0, pageEnd: 6, totalElements: expected.length, totalPages: Math.ceil(expected.length / 7) });
    expect(reply.headers.get('x-rate-limit-group')).toBe('Light');
    for (;;) {
      records.push(...reply.body.records);
      const next = reply.body.navigation.nextPage?.uri;
      if (!next) break;
      expect(next.startsWith(sim.url)).toBe(true);
      reply = await getExact(sim, token, next);
    }
    expect(records.map((r) => idText(r.id))).toEqual(expected.map((m) => m.id));
    expect(records).toEqual(expected.map((m) => m.message));
  });

  it('defaults to the 24 hours before dateTo and to Alive messages', async () => {
    const ext = busiest();
    const reply = await getExact(sim, token, messageStore(ext), { dateTo, perPage: '1000' });
    expect(reply.body.records.map((r: any) => idText(r.id))).toEqual(inMailbox(ext, new Date(TO.getTime() - DAY).toISOString(), dateTo).map((m) => m.id));
  });

  it('filters by availability, readStatus and messageType; clamps perPage', async () => {
    const all = truth.messages.filter((m) => m.availability !== 'Alive');
    const ext = all[0]!.mailboxExtensionId;
    const gone = await getExact(sim, token, messageStore(ext), { dateFrom, dateTo, availability: ['Deleted', 'Purged'], perPage: '1000' });
    expect(gone.body.records).toEqual(inMailbox(ext, dateFrom, dateTo, (m) => m.availability !== 'Alive').map((m) => m.message));
    expect(gone.body.records.length).toBeGreaterThan(0);
    const unread = await getExact(sim, token, messageStore(ext), { dateFrom, dateTo, readStatus: 'Unread', perPage: '1000' });
    expect(unread.body.records.map((r: any) => idText(r.id))).toEqual(
      inMailbox(ext, dateFrom, dateTo, (m) => m.availability === 'Alive' && (m.message as MessageJson).readStatus === 'Unread').map((m) => m.id),
    );
    expect(unread.body.records.length).toBeGreaterThan(0);
    const sms = await getExact(sim, token, messageStore(ext), { dateFrom, dateTo, messageType: 'SMS' });
    expect(sms.body.records).toEqual([]);
    const clamped = await getExact(sim, token, messageStore(ext), { dateFrom, dateTo, perPage: '5000' });
    expect(clamped.body.paging.perPage).toBe(1000);
    const bad = await get(sim, token, messageStore(ext), { availability: 'Gone' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ errorCode: 'CMN-101', parameterName: 'availability' });
  });

  it('answers 404 CMN-102 for an unknown extension; IVR menus have an empty store; ~ is the JWT user', async () => {
    const unknown = await get(sim, token, messageStore('123456'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0]).toMatchObject({ errorCode: 'CMN-102', parameterName: 'extensionId' });
    const ivr = await get(sim, token, messageStore(extId('800')), { dateFrom, dateTo });
    expect([ivr.status, ivr.body.records]).toEqual([200, []]);
    const admin = String(truth.extensions[0]!.id);
    const mine = await getExact(sim, token, messageStore('~'), { dateFrom, dateTo, perPage: '1000' });
    expect(mine.body.records.map((r: any) => idText(r.id))).toEqual(inMailbox(admin, dateFrom, dateTo).map((m) => m.id));
  });
});

describe('message-store by id', () => {
  it('serves one message as the truth has it, 207 multipart for several, 404 CMN-102 for unknown or foreign ids', async () => {
    const [a, b] = truth.messages.filter((m) => m.availability === 'Alive');
    const one = await getExact(sim, token, `${messageStore(a!.mailboxExtensionId)}/${a!.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(a!.message);
    const same = truth.messages.filter((m) => m.mailboxExtensionId === a!.mailboxExtensionId).slice(0, 3);
    const several = await getExact(sim, token, `${messageStore(a!.mailboxExtensionId)}/${same.map((m) => m.id).join(',')},1`);
    expect(several.status).toBe(207);
    expect(several.headers.get('content-type')).toMatch(/^multipart\/mixed; boundary=/);
    expect(several.text).toContain('{"response":[{"status":200},{"status":200},{"status":200},{"status":404}]}');
    for (const m of same) expect(several.text).toContain(`"id":${m.id},`);
    const missing = await get(sim, token, `${messageStore(a!.mailboxExtensionId)}/1`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0]).toMatchObject({ errorCode: 'CMN-102', parameterName: 'messageId', parameterValue: '1' });
    const other = truth.messages.find((m) => m.mailboxExtensionId !== a!.mailboxExtensionId)!;
    expect((await get(sim, token, `${messageStore(a!.mailboxExtensionId)}/${other.id}`)).status).toBe(404);
    expect((await get(sim, token, `${messageStore(b!.mailboxExtensionId)}/abc`)).body.errors[0].errorCode).toBe('CMN-101');
  });

  it('serves a purged message as {id, availability} only', async () => {
    const purged = truth.messages.find((m) => m.availability === 'Purged')!;
    const reply = await getExact(sim, token, `${messageStore(purged.mailboxExtensionId)}/${purged.id}`);
    expect(reply.body).toEqual(purged.message);
    expect(Object.keys(reply.body).sort()).toEqual(['availability', 'id']);
  });

  it('writes ids beyond 2^53 exactly into the raw body; the call log names them as strings', async () => {
    const big = truth.messages.filter((m) => BigInt(m.id) > TWO_53);
    const share = big.length / truth.messages.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.25);
    const m = big.find((x) => x.availability === 'Alive' && x.expected.method === 'CALL_LOG_REFERENCE')!;
    const reply = await getExact(sim, token, `${messageStore(m.mailboxExtensionId)}/${m.id}`);
    expect(reply.text).toContain(`"id":${m.id},`);
    expect(reply.body.id).toBe(BigInt(m.id));
    // The trap: plain JSON.parse rounds the id to a different number.
    expect(String(JSON.parse(reply.text).id)).not.toBe(m.id);
    const list = await getExact(sim, token, messageStore(m.mailboxExtensionId), { dateFrom, dateTo, perPage: '1000' });
    expect(list.text).toContain(`"id":${m.id},`);
    const call = await get(sim, token, `${CALL_LOG}/${m.expected.callId}`, { view: 'Detailed' });
    const refs = [call.body.message, ...call.body.legs.map((l: any) => l.message)].filter(Boolean);
    expect(refs.map((r: any) => r.id)).toContain(m.id);
  });
});

describe('message-store content', () => {
  it('serves the recording (Medium group) and, once transcribed, the transcript; 404 when purged or unknown', async () => {
    const m = truth.messages.find((x) => x.availability === 'Alive' && (x.message as MessageJson).vmTranscriptionStatus === 'Completed')!;
    const message = m.message as MessageJson;
    const [audio, text] = message.attachments;
    expect(audio).toMatchObject({ type: 'AudioRecording', contentType: 'audio/mpeg' });
    expect(text).toMatchObject({ type: 'AudioTranscription', contentType: 'text/plain' });
    const res = await fetch(audio!.uri, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('x-rate-limit-group')).toBe('Medium');
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename=/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(audio!.size);
    expect(bytes.subarray(0, 3).toString('latin1')).toBe('ID3');
    const transcript = await fetch(`${text!.uri}?contentDisposition=Attachment`, { headers: { Authorization: `Bearer ${token}` } });
    expect(transcript.headers.get('content-type')).toBe('text/plain');
    expect(transcript.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(await transcript.text()).toContain('call me back');
    const purged = truth.messages.find((x) => x.availability === 'Purged')!;
    const gone = await get(sim, token, `${messageStore(purged.mailboxExtensionId)}/${purged.id}/content/${purged.id}`);
    expect(gone.status).toBe(404);
    const noSuch = await get(sim, token, `${messageStore(m.mailboxExtensionId)}/${m.id}/content/42`);
    expect(noSuch.body.errors[0]).toMatchObject({ errorCode: 'CMN-102', parameterName: 'attachmentId' });
  });
});
