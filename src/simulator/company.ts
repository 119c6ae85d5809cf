// The simulated RingCentral account: users, one call queue with members, one IVR, a shared
// voicemail department, a disabled user and an announcement extension. Generated from the seed only,
// so every process started with the same seed sees the same extension ids. Companies of any size
// (SimulatorOptions.company) come from company-sized.ts in the same shape.

import { Rng } from './prng.ts';
import type { ExtensionJson } from './types.ts';

export type ExtensionType = 'User' | 'Department' | 'IvrMenu' | 'Announcement' | 'ParkLocation';

export interface Ext {
  /**
   * Position in Company.extensions. Calls keep a 32-bit mask of bit (idx % 32) per extension taking
   * part: exact for companies of at most 32 extensions, a prefilter for bigger ones (world.ts keeps
   * their exact lists).
   */
  idx: number;
  id: number;
  extensionNumber: string;
  name: string;
  firstName?: string;
  lastName?: string;
  type: ExtensionType;
  status: 'Enabled' | 'Disabled';
  /** Direct number (E.164) where the extension has one. */
  did?: string;
  /** The user's own mobile, reached by FindMe forwarding. */
  mobile?: string;
  /** Queue members (ext idx). */
  members?: number[];
  /** Contact e-mail when the name alone would not make it unique (sized companies). */
  email?: string;
}

export interface Company {
  accountId: string;
  mainNumber: string;
  areaCode: string;
  extensions: Ext[];
  /** Enabled users; traffic only involves these plus queue/IVR/shared. */
  users: Ext[];
  /** The admin user whose JWT the simulator accepts (token owner_id). */
  admin: Ext;
  /** The first call queue and shared-voicemail department (the only ones in the default company). */
  queue: Ext;
  ivr: Ext;
  shared: Ext;
  /** Every call queue (Department with members and a mailbox); traffic spreads over them. */
  queues: Ext[];
  /** Every shared-voicemail department (mailbox, no members). */
  sharedMailboxes: Ext[];
  /** Extensions by id, for per-request lookups that must not scan thousands of extensions. */
  byId: Map<number, Ext>;
}

export const FIRST = ['Benno', 'Maria', 'James', 'Aiko', 'Priya', 'Lucas', 'Olga', 'Tomas', 'Chen', 'Fatima',
  'Noah', 'Grace', 'Ivan', 'Sofia', 'Kwame', 'Elena'];
export const LAST = ['Dean', 'Garcia', 'Smith', 'Tanaka', 'Patel', 'Silva', 'Ivanova', 'Novak', 'Wei', 'Khan',
  'Miller', 'Okafor', 'Petrov', 'Rossi', 'Mensah', 'Lopez'];

/** A generator that draws with `draw` until it gets a value it has not returned before. */
export function unique<T>(draw: () => T): () => T {
  const used = new Set<T>();
  return () => {
    for (;;) {
      const value = draw();
      if (!used.has(value)) {
        used.add(value);
        return value;
      }
    }
  };
}

/** Builds the company for a seed. */
export function generateCompany(seed: number): Company {
  const rng = Rng.of(seed, 0xc0);
  const areaCode = rng.pick(['650', '415', '408', '510']);
  // RingCentral account and extension ids share a trailing "00x" block; mimic that look.
  const suffix = rng.pick(['004', '008', '009']);
  const accountId = `${rng.int(30000, 39999)}${suffix}`;
  const newId = unique(() => Number(`62${rng.digits(6)}${suffix}`));
  const newDid = unique(() => `+1${areaCode}${rng.int(200, 999)}${rng.digits(4)}`);
  const mainNumber = newDid();

  const extensions: Ext[] = [];
  const add = (e: Omit<Ext, 'idx' | 'id'>): Ext => {
    const ext: Ext = { idx: extensions.length, id: newId(), ...e };
    extensions.push(ext);
    return ext;
  };

  const userCount = rng.int(8, 12);
  const firstNames = shuffle(rng, FIRST);
  const lastNames = shuffle(rng, LAST);
  for (let i = 0; i < userCount + 1; i++) {
    const firstName = firstNames[i % firstNames.length] as string;
    const lastName = lastNames[i % lastNames.length] as string;
    add({
      extensionNumber: String(101 + i),
      name: `${firstName} ${lastName}`,
      firstName,
      lastName,
      type: 'User',
      // The last user is the one disabled user: it exists in the directory but takes no calls.
      status: i === userCount ? 'Disabled' : 'Enabled',
      did: newDid(),
      mobile: `+1${rng.pick(['317', '212', '646', '312', '206'])}${rng.int(200, 999)}${rng.digits(4)}`,
    });
  }
  const users = extensions.filter((e) => e.type === 'User' && e.status === 'Enabled');
  const memberPool = shuffle(rng, users.slice(1));
  const queue = add({
    extensionNumber: '500',
    name: 'Sales Queue',
    type: 'Department',
    status: 'Enabled',
    did: newDid(),
    members: memberPool.slice(0, 3).map((u) => u.idx),
  });
  const shared = add({ extensionNumber: '501', name: 'Support Voicemail', type: 'Department', status: 'Enabled' });
  const ivr = add({ extensionNumber: '800', name: 'Main IVR', type: 'IvrMenu', status: 'Enabled' });
  add({ extensionNumber: '900', name: 'Holiday Announcement', type: 'Announcement', status: 'Enabled' });

  return companyOf({ accountId, mainNumber, areaCode, extensions, users, admin: users[0] as Ext, queue, ivr, shared, queues: [queue], sharedMailboxes: [shared] });
}

/** Adds the lookup index to a generated company. */
export function companyOf(c: Omit<Company, 'byId'>): Company {
  return { ...c, byId: new Map(c.extensions.map((e) => [e.id, e])) };
}

/** The extension a path's {extensionId} names ("~" = the JWT user), or undefined. */
export function extensionOf(company: Company, param: string): Ext | undefined {
  if (param === '~') return company.admin;
  const ext = company.byId.get(Number(param));
  // Only the canonical decimal form names an extension ("0123" or "1e3" do not).
  return ext && String(ext.id) === param ? ext : undefined;
}

/** Whether an extension has a message store of its own (users and departments do; IVR menus do not). */
export function hasMailbox(ext: Ext): boolean {
  return ext.type === 'User' || ext.type === 'Department';
}

/** The extension-list record RingCentral returns for one extension. */
export function extensionJson(origin: string, company: Company, ext: Ext): ExtensionJson {
  const json: ExtensionJson = {
    uri: `${origin}/restapi/v1.0/account/${company.accountId}/extension/${ext.id}`,
    id: ext.id,
    extensionNumber: ext.extensionNumber,
    name: ext.name,
    type: ext.type,
    status: ext.status,
  };
  if (ext.type === 'User') {
    json.contact = {
      firstName: ext.firstName,
      lastName: ext.lastName,
      email: ext.email ?? `${(ext.firstName ?? 'user').toLowerCase()}.${(ext.lastName ?? '').toLowerCase()}@example.com`,
      company: 'Simulated Inc.',
    };
    json.permissions = { admin: { enabled: ext === company.admin }, internationalCalling: { enabled: false } };
  } else {
    json.contact = { company: 'Simulated Inc.' };
  }
  json.hidden = false;
  return json;
}

/** Fisher–Yates with the given stream. */
export function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
