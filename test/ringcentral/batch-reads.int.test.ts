import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingCentralApiError } from '../../src/errors.ts';
import { silentLogger } from '../../src/logger.ts';
import { RequestMeter, type RingCentralClient } from '../../src/ringcentral/client.ts';
import { startSimulator, type GroundTruth, type Simulator, type TruthMessage } from '../../src/simulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { historyDays, messageStore } from '../simulator/helpers.ts';
import { sessionClient } from './session-load.ts';

let sim: Simulator;
let testDb: TestDatabase;
let client: RingCentralClient;
let truth: GroundTruth;

beforeAll(async () => {
  sim = await startSimulator({ seed: 21, history: historyDays(3, 2000), rateLimits: false });
  testDb = await createTestDatabase();
  client = sessionClient(testDb.database, { serverUrl: sim.url, ...sim.credentials }, silentLogger);
  truth = sim.truth();
});
afterAll(async () => {
  await sim.close();
  await testDb.drop();
});

/** A mailbox holding at least `n` messages, among them one whose id is beyond 2^53, and n of its messages. */
function batch(n: number): { mailbox: string; messages: TruthMessage[] } {
  const byMailbox = new Map<string, TruthMessage[]>();
  for (const m of truth.messages) byMailbox.set(m.mailboxExtensionId, [...(byMailbox.get(m.mailboxExtensionId) ?? []), m]);
  for (const [mailbox, messages] of byMailbox) {
    const big = messages.find((m) => BigInt(m.id) > 2n ** 53n);
    if (!big || messages.length < n) continue;
    return { mailbox, messages: [big, ...messages.filter((m) => m !== big).slice(0, n - 1)] };
  }
  throw new Error('no mailbox fits');
}

describe('getParts (batch reads, 207 multipart/mixed)', () => {
  it('returns one part per id in the order asked, each with its own status and its body parsed int64-exact', async () => {
    const { mailbox, messages } = batch(3);
    const meter = new RequestMeter();
    const ids = [messages[0]!.id, '1', messages[1]!.id, messages[2]!.id];
    const parts = await client.getParts(`${messageStore(mailbox)}/${ids.join(',')}`, {}, 'Light', meter);
    expect(parts.map((p) => p.status)).toEqual([200, 404, 200, 200]);
    expect(parts[0]!.body).toEqual(messages[0]!.message);
    expect(parts[2]!.body).toEqual(messages[1]!.message);
    expect(parts[3]!.body).toEqual(messages[2]!.message);
    // The id beyond 2^53 arrives exact, as bigint, not rounded through a number.
    expect((parts[0]!.body as { id: unknown }).id).toBe(BigInt(messages[0]!.id));
    expect(parts[1]!.body).toMatchObject({ errors: [{ errorCode: 'CMN-102', parameterName: 'messageId' }] });
    expect(meter.requests.Light).toBe(1);
  });

  it('takes a plain JSON answer (one id) as one part', async () => {
    const { mailbox, messages } = batch(1);
    const parts = await client.getParts(`${messageStore(mailbox)}/${messages[0]!.id}`, {}, 'Light', new RequestMeter());
    expect(parts).toEqual([{ status: 200, body: messages[0]!.message }]);
  });

  it('throws like get when the whole request is refused', async () => {
    const error = await client.getParts(`${messageStore('999999999')}/1,2`, {}, 'Light', new RequestMeter()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RingCentralApiError);
    expect(error).toMatchObject({ status: 404, errorCode: 'CMN-102' });
  });

  it('waits out a 429 and takes a new session after a 401, as get does', async () => {
    const { mailbox, messages } = batch(2);
    const path = `${messageStore(mailbox)}/${messages.map((m) => m.id).join(',')}`;
    const meter = new RequestMeter();
    sim.faults.set({ rateLimitStorm: { group: 'Light', count: 1 } });
    expect((await client.getParts(path, {}, 'Light', meter)).map((p) => p.status)).toEqual([200, 200]);
    expect(meter.rateLimited).toBe(1);
    const logins = sim.stats().tokenGrants.jwt;
    sim.faults.revokeTokens();
    expect((await client.getParts(path, {}, 'Light', meter)).map((p) => p.body)).toEqual(messages.map((m) => m.message));
    expect(sim.stats().tokenGrants.jwt).toBe(logins + 1);
  });
});
