// Public types of the simulator plus the RingCentral JSON shapes it produces. The JSON types are
// deliberately loose (optional fields, string enums) because the simulator must be able to emit the
// odd values real RingCentral emits ("Hang up" next to "Hang Up", masked numbers, ...). Message-store
// types live in types-messages.ts.

import type { TruthMessage } from './types-messages.ts';

export type RateGroup = 'Heavy' | 'Medium' | 'Light' | 'Auth';
export const RATE_GROUPS: readonly RateGroup[] = ['Heavy', 'Medium', 'Light', 'Auth'];

/**
 * The JWT user's role. 'SuperAdmin' (default) holds ReadMessages with extended scope, so it reads every
 * extension's message store. 'UserAdmin' stands for any lower role (User Admin, Phone System Admin,
 * Standard user): it still reads the account call log and the extension list, but every message-store
 * request addressed to another extension than its own answers 403 CMN-419 (api-notes §11).
 */
export type AdminRole = 'SuperAdmin' | 'UserAdmin';

/**
 * A company of any size instead of the small default one (about ten users). Each count has a default
 * derived from `users`; mailboxes = users + disabledUsers + queues + sharedMailboxes.
 */
export interface CompanySize {
  /** Enabled users, each with a mailbox, a direct number and a mobile. Default 1000. */
  users?: number;
  /** Call queues: Department extensions with a direct number, 3–8 member users and a mailbox. Default users/50 (at least 1). */
  queues?: number;
  /** Shared-voicemail departments: a mailbox, reached through the IVR. Default users/100 (at least 1). */
  sharedMailboxes?: number;
  /** Extensions without a mailbox: the main IVR plus more IVR menus, announcements, park locations. Default users/100 (at least 2). */
  withoutMailbox?: number;
  /** Disabled users: in the directory with an (empty) mailbox, no traffic. Default users/100. */
  disabledUsers?: number;
}

export interface RateLimitSpec {
  limit: number;
  windowSec: number;
  penaltySec: number;
}

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 = a random free port. */
  port?: number;
  /** Default 1; the same seed (and options) gives the same company, traffic and ids. */
  seed?: number;
  clientId?: string;
  clientSecret?: string;
  jwt?: string;
  /** Default 3600. Values below RingCentral's minimum (600) are allowed to test expiry quickly. */
  accessTokenTtlSec?: number;
  /** Default 604800. */
  refreshTokenTtlSec?: number;
  /**
   * Cap on parallel sessions per user+app; a JWT login beyond it silently invalidates the oldest
   * session (RingCentral: "usually five"). Default: no cap; pass 5 to imitate RingCentral.
   */
  maxSessions?: number;
  /** Default RingCentral's limits; false = never limit (headers are still sent). */
  rateLimits?: false | Partial<Record<RateGroup, Partial<RateLimitSpec>>>;
  /**
   * Generated past traffic with start times spread over [from, to). Default: 1000 calls over the
   * 7 days before the start of the current UTC day (so a seed is stable within a day).
   * calls: 0 gives an account without history.
   */
  history?: { from: Date; to: Date; calls: number };
  /** Keep generating calls as real time passes (demo mode). */
  live?: { callsPerMinute: number };
  /** Hold back a fraction of history data until release(). */
  late?: { heldFraction: number; modifiedFraction: number; deletedFraction: number; transcriptionHeldFraction?: number };
  /** Omit paging.totalPages/totalElements (and navigation.lastPage) as RingCentral may. */
  omitTotals?: boolean;
  /** Bytes of each recording's content (a generated MP3 stand-in, streamed); default 65,536. */
  recordingBytes?: number;
  /** Traffic mix: 'office' (default, ~2 legs a call) or 'contact-center' (queue-heavy, ~3 legs a call). */
  profile?: 'office' | 'contact-center';
  /** Test hook: the simulator's notion of "now" in epoch ms. Default Date.now. */
  clock?: () => number;
  /**
   * Generate a company of this size instead of the default one. Its default history is 10 calls per
   * enabled user a day over the 2 days before the start of the current UTC day (1000 users: 20,000
   * calls); `history` still overrides it. Default: the small company.
   */
  company?: CompanySize;
  /**
   * Which number a FindMe/FollowMe leg (the outbound leg ringing the user's mobile) shows as `from`:
   * 'owner' = the user's own direct number or the company's main number, as RingCentral logs it (the
   * caller is on the inbound party only); 'caller' = the caller's number, as this simulator always did.
   * Default 'caller', or 'owner' when `company` is given.
   */
  forwardingFrom?: 'caller' | 'owner';
  /** The JWT user's role (see AdminRole); switchable later through faults.adminRole. Default 'SuperAdmin'. */
  adminRole?: AdminRole;
  /** Told of every API request (not /__sim/) as it is answered: a test's view of the traffic from the server's side. */
  onRequest?: (request: SimulatedRequest) => void;
}

/** One API request as the simulator saw it: when it arrived (its clock), its rate group and the status it got. */
export interface SimulatedRequest {
  at: number;
  method: string;
  path: string;
  group: RateGroup;
  status: number;
}

export type Disposition =
  | 'ANSWERED'
  | 'VOICEMAIL'
  | 'MISSED'
  | 'ABANDONED'
  | 'BUSY'
  | 'REJECTED'
  | 'NO_ANSWER'
  | 'BLOCKED'
  | 'FAILED'
  | 'UNKNOWN';

export interface ExpectedOutcome {
  disposition: Disposition;
  /**
   * The voicemail a correct linker links to this call now (exact int64 decimal string): set exactly
   * when the message's truth says expected.callId = this call (by reference, or unambiguously
   * matched); null when the call left none, or its voicemail must not be linked (anonymous, ambiguous,
   * not visible yet, ...). truth().messages[].leftByCallId names the call that left it regardless.
   */
  voicemailMessageId: string | null;
  /** The recording visible in the record now (record- or leg-level). */
  recordingId: string | null;
  /** The account extension that answered (internal callee, queue member, user); null otherwise. */
  answeredByExtensionId: string | null;
}

export interface TruthCall {
  id: string;
  /** Exactly what the Detailed view with showDeleted=true serves now. */
  record: CallLogRecord;
  deleted: boolean;
  scenario: string;
  expected: ExpectedOutcome;
}

export interface GroundTruth {
  accountId: string;
  extensions: ExtensionJson[];
  calls: TruthCall[];
  /**
   * Every voicemail visible now, in every mailbox, newest creationTime first. Message JSON holds int64
   * ids as number | bigint: JSON.stringify cannot write those; use stringifyExact (exported here).
   */
  messages: TruthMessage[];
}

export interface SimulatorStats {
  requests: Record<RateGroup, number>;
  byStatus: Record<string, number>;
  rateLimited: Record<RateGroup, number>;
  rateLimitedTotal: number;
  tokenGrants: { jwt: number; refresh_token: number };
  tokenErrors: number;
  revocations: number;
  serverErrorsInjected: number;
  /** Live OAuth sessions (RingCentral caps them per user+app). */
  sessions: number;
  /** Requests to /__sim/ (not counted in `requests`). */
  admin: number;
  calls: { total: number; visible: number; held: number };
  /** Voicemails: held = with a creation or change held back until release(). */
  messages: { total: number; visible: number; held: number };
  /** API requests per endpoint family (every answer counts, refusals too). */
  endpoints: Record<EndpointFamily, number>;
  /**
   * message-store by-id requests naming several ids (one 207 multipart answer each, unless refused):
   * how many, how many ids in all, the most in one.
   */
  messageBatches: { requests: number; ids: number; maxIds: number };
  /** Message-store requests refused 403 CMN-419 (the role, or the forbiddenMailboxes fault). */
  permissionDenied: number;
}

export type EndpointFamily =
  | 'oauth'
  | 'account'
  | 'extensions'
  | 'authzProfile'
  | 'callLog'
  | 'callLogById'
  | 'extractSync'
  | 'messageList'
  | 'messageById'
  | 'messageContent'
  | 'messageSync'
  | 'recordingContent'
  | 'unknown';

export const ENDPOINT_FAMILIES: readonly EndpointFamily[] = [
  'oauth', 'account', 'extensions', 'authzProfile', 'callLog', 'callLogById', 'extractSync',
  'messageList', 'messageById', 'messageContent', 'messageSync', 'recordingContent', 'unknown',
];

export interface ServerErrorFault {
  /** How many failures to inject. */
  count: number;
  /** Only requests of this rate group. */
  group?: RateGroup;
  /** Chance that a matching request fails (default 1). */
  probability?: number;
  /** 503 CMN-201 (default) or 500 CMN-203. */
  status?: 500 | 503;
}

export interface SlowFault {
  /** Added latency per affected request. */
  ms: number;
  /** Only the next N affected requests (default: until cleared). */
  count?: number;
  /** Chance that a matching request is slowed (default 1). */
  fraction?: number;
  group?: RateGroup;
}

export interface RateLimitStormFault {
  /** Force 429 CMN-301 on the next `count` requests of this group (any group when omitted). */
  group?: RateGroup;
  count: number;
}

/** Body of POST /__sim/faults; null clears one fault. */
export interface FaultSettings {
  clear?: boolean;
  serverErrors?: ServerErrorFault | null;
  slow?: SlowFault | null;
  rateLimitStorm?: RateLimitStormFault | null;
  revokeTokens?: boolean;
  invalidateSyncTokens?: boolean;
  invalidateMessageSyncTokens?: boolean;
  extractSyncUnavailable?: ExtractSyncUnavailableFault | null;
  /**
   * Extension ids whose message store answers 403 CMN-419, as for a user who may not read them (even
   * a Super Admin, and even the JWT user's own).
   */
  forbiddenMailboxes?: string[];
  /** Switches the JWT user's role now (see AdminRole); `clear` restores the role the simulator started with. */
  adminRole?: AdminRole;
  /** An extract-sync FSync whose dateFrom lies further back than this (ms) is refused (400 CMN-101). */
  extractSyncMaxLookbackMs?: number | null;
}

/** call-log-extract-sync answers every request with this error: an app without access (403), a server
 * without the endpoint (501), or an outage (503). */
export interface ExtractSyncUnavailableFault {
  status: 403 | 501 | 503;
}

export interface Faults {
  serverErrors: ServerErrorFault | null;
  slow: SlowFault | null;
  rateLimitStorm: RateLimitStormFault | null;
  extractSyncUnavailable: ExtractSyncUnavailableFault | null;
  forbiddenMailboxes: ReadonlySet<string>;
  extractSyncMaxLookbackMs: number | null;
  /** The JWT user's role right now; assign to switch it (a test "grants the permission later"). */
  adminRole: AdminRole;
  /** All issued access and refresh tokens become invalid. */
  revokeTokens(): void;
  /** All extract-sync tokens issued so far become invalid (400 CLG-104). */
  invalidateSyncTokens(): void;
  /** All message-sync tokens issued so far become invalid (400 MSG-333: full sync required). */
  invalidateMessageSyncTokens(): void;
  /** Applies a FaultSettings object (what POST /__sim/faults does). */
  set(settings: FaultSettings): void;
  clear(): void;
}

export interface Simulator {
  /** e.g. http://127.0.0.1:43121; every absolute URI in responses uses this origin. */
  url: string;
  accountId: string;
  credentials: { clientId: string; clientSecret: string; jwt: string };
  faults: Faults;
  stats(): SimulatorStats;
  truth(): GroundTruth;
  /** Makes held-back records/changes visible now, with lastModifiedTime = now. */
  release(): void;
  /** Deletes recordings' content now, as RingCentral does after 90 days (content answers 404 CMN-102). */
  purgeRecordings(ids: readonly string[]): void;
  /** When each call visible now became visible (from `since`, epoch ms), for measuring a sync's latency. */
  visibility(since?: number): CallVisibility[];
  close(): Promise<void>;
}

/** When a call's record first appeared in the call log, and its later version (if it has appeared yet). */
export interface CallVisibility {
  id: string;
  /** Epoch ms the first version became visible. */
  visibleAt: number;
  /** Epoch ms the modified version became visible; null: none (yet). */
  modifiedAt: number | null;
}

// ---- RingCentral JSON shapes (loose) ----

export interface PartyJson {
  phoneNumber?: string;
  extensionNumber?: string;
  extensionId?: string;
  name?: string;
  location?: string;
}

export interface RefJson {
  id: number;
  uri: string;
}

export interface RecordingJson {
  id: string;
  uri: string;
  type: 'Automatic' | 'OnDemand';
  contentUri: string;
}

export interface MessageRefJson {
  id: string;
  type: string;
  uri: string;
}

export interface CallLegJson {
  startTime: string;
  duration: number;
  durationMs: number;
  type: 'Voice' | 'Fax';
  internalType?: string;
  direction: 'Inbound' | 'Outbound';
  action: string;
  result: string;
  reason?: string;
  reasonDescription?: string;
  from: PartyJson;
  to: PartyJson;
  extension?: RefJson;
  transport: 'PSTN' | 'VoIP';
  telephonySessionId: string;
  legType: string;
  master?: boolean;
  recording?: RecordingJson;
  shortRecording?: boolean;
  message?: MessageRefJson;
  billing?: { costIncluded: number; costPurchased: number };
}

export interface CallLogRecord {
  uri: string;
  id: string;
  sessionId: string;
  telephonySessionId: string;
  startTime: string;
  duration: number;
  durationMs: number;
  type: 'Voice' | 'Fax';
  internalType?: string;
  direction: 'Inbound' | 'Outbound';
  action: string;
  result: string;
  reason?: string;
  reasonDescription?: string;
  from: PartyJson;
  to: PartyJson;
  extension?: RefJson;
  transport: 'PSTN' | 'VoIP';
  recording?: RecordingJson;
  shortRecording?: boolean;
  message?: MessageRefJson;
  billing?: { costIncluded: number; costPurchased: number };
  lastModifiedTime?: string;
  legs?: CallLegJson[];
  deleted?: boolean;
}

export interface ExtensionJson {
  uri: string;
  id: number;
  extensionNumber: string;
  name: string;
  type: string;
  status: string;
  contact?: { firstName?: string; lastName?: string; email?: string; company?: string };
  permissions?: { admin: { enabled: boolean }; internationalCalling: { enabled: boolean } };
  hidden?: boolean;
}
