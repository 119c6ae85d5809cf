// A company of any size (SimulatorOptions.company): many users, several call queues with members,
// shared-voicemail departments, the main IVR and other extensions without a mailbox, in the same
// Company shape as the small default company (company.ts). Drawn from its own seeded stream, so the
// default company is untouched and a seed + size always gives the same extension ids.

import { companyOf, FIRST, LAST, shuffle, unique, type Company, type Ext, type ExtensionType } from './company.ts';
import { Rng } from './prng.ts';
import type { CompanySize } from './types.ts';

/** Defaults of CompanySize, derived from the number of users (see types.ts). */
export function resolveSize(size: CompanySize): Required<CompanySize> {
  const users = Math.max(2, Math.floor(size.users ?? 1000));
  return {
    users,
    queues: Math.max(1, Math.floor(size.queues ?? Math.round(users / 50))),
    sharedMailboxes: Math.max(1, Math.floor(size.sharedMailboxes ?? Math.round(users / 100))),
    withoutMailbox: Math.max(1, Math.floor(size.withoutMailbox ?? Math.max(2, Math.round(users / 100)))),
    disabledUsers: Math.max(0, Math.floor(size.disabledUsers ?? Math.round(users / 100))),
  };
}

/** RingCentral extension numbers are at most five digits long (account limits in routes-account.ts). */
const MAX_EXTENSIONS = 98_000;
const NON_MAILBOX_TYPES: readonly ExtensionType[] = ['IvrMenu', 'Announcement', 'ParkLocation'];

/** Builds a company of the given size for a seed. */
export function generateSizedCompany(seed: number, requested: CompanySize): Company {
  const size = resolveSize(requested);
  const total = size.users + size.disabledUsers + size.queues + size.sharedMailboxes + size.withoutMailbox;
  if (total > MAX_EXTENSIONS) throw new Error(`company of ${total} extensions: at most ${MAX_EXTENSIONS} fit five-digit extension numbers`);
  const rng = Rng.of(seed, 0xc0, 0x512e);
  const areaCode = rng.pick(['650', '415', '408', '510']);
  const suffix = rng.pick(['004', '008', '009']);
  const accountId = `${rng.int(30000, 39999)}${suffix}`;
  // Eight random digits keep id collisions (and retries) rare even for tens of thousands of extensions.
  const newId = unique(() => Number(`6${rng.int(1, 9)}${rng.digits(7)}${suffix}`));
  const newDid = unique(() => `+1${areaCode}${rng.int(200, 999)}${rng.digits(4)}`);
  const mainNumber = newDid();

  const extensions: Ext[] = [];
  const add = (e: Omit<Ext, 'idx' | 'id' | 'extensionNumber'>): Ext => {
    const ext: Ext = { idx: extensions.length, id: newId(), extensionNumber: String(1001 + extensions.length), ...e };
    extensions.push(ext);
    return ext;
  };

  for (let i = 0; i < size.users + size.disabledUsers; i++) {
    const firstName = rng.pick(FIRST);
    const lastName = rng.pick(LAST);
    const number = String(1001 + extensions.length);
    add({
      name: `${firstName} ${lastName}`,
      firstName,
      lastName,
      type: 'User',
      // The disabled users come last: in the directory, with a mailbox, but they take no calls.
      status: i < size.users ? 'Enabled' : 'Disabled',
      did: newDid(),
      mobile: `+1${rng.pick(['317', '212', '646', '312', '206'])}${rng.int(200, 999)}${rng.digits(4)}`,
      email: `${firstName.toLowerCase()}.${lastName.toLowerCase()}.${number}@example.com`,
    });
  }
  const users = extensions.filter((e) => e.type === 'User' && e.status === 'Enabled');

  const queues: Ext[] = [];
  for (let q = 0; q < size.queues; q++) {
    // Three to eight agents per queue; an agent may sit in several queues.
    const members = shuffle(rng, users.length <= 16 ? users : sample(rng, users, 16)).slice(0, rng.int(3, 8));
    queues.push(add({ name: `Queue ${q + 1}`, type: 'Department', status: 'Enabled', did: newDid(), members: members.map((u) => u.idx) }));
  }
  const sharedMailboxes: Ext[] = [];
  for (let s = 0; s < size.sharedMailboxes; s++) {
    sharedMailboxes.push(add({ name: `Shared Voicemail ${s + 1}`, type: 'Department', status: 'Enabled' }));
  }
  const ivr = add({ name: 'Main IVR', type: 'IvrMenu', status: 'Enabled' });
  for (let n = 1; n < size.withoutMailbox; n++) {
    const type = NON_MAILBOX_TYPES[n % NON_MAILBOX_TYPES.length] as ExtensionType;
    add({ name: `${type === 'IvrMenu' ? 'IVR Menu' : type === 'Announcement' ? 'Announcement' : 'Park Location'} ${n}`, type, status: 'Enabled' });
  }

  return companyOf({
    accountId,
    mainNumber,
    areaCode,
    extensions,
    users,
    admin: users[0] as Ext,
    queue: queues[0] as Ext,
    ivr,
    shared: sharedMailboxes[0] as Ext,
    queues,
    sharedMailboxes,
  });
}

/** `count` distinct items (count <= items.length), without shuffling the whole list. */
function sample<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const chosen = new Set<T>();
  while (chosen.size < count) chosen.add(rng.pick(items));
  return [...chosen];
}
