import type { RateGroup } from '../errors.ts';
import type { RequestMeter, SessionGrant } from '../ringcentral/client.ts';
import type { ExtensionDetails, RingCentralApi } from '../ringcentral/endpoints.ts';
import type { RateHeaders } from '../ringcentral/rate-budget.ts';
import type { Database } from '../store/db.ts';
import type { SecretKeyring } from '../secrets/box.ts';

/** skip = not checked, because something it needs (a session) failed first. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of `callsync doctor`: what was checked, what was found, and the fix when it is not ok. */
export interface CheckResult {
  id: CheckId;
  name: string;
  status: CheckStatus;
  /** What was found, in one line. */
  found: string;
  /** The fix in one sentence; present when the status is warn or fail. */
  fix?: string | undefined;
  /** RingCentral's errorCode behind a warn or fail, when one answered. */
  errorCode?: string | undefined;
}

export type CheckId =
  | 'session'
  | 'scopes'
  | 'call-log'
  | 'other-mailboxes'
  | 'extract-sync'
  | 'voicemail-references'
  | 'batch-reads'
  | 'rate-limits'
  | 'sessions';

/** The checks in the order the report lists them, with their names. */
export const CHECKS: ReadonlyArray<{ id: CheckId; name: string }> = [
  { id: 'session', name: 'credentials and session' },
  { id: 'scopes', name: 'app scopes' },
  { id: 'call-log', name: 'account-wide call log' },
  { id: 'other-mailboxes', name: 'other mailboxes' },
  { id: 'extract-sync', name: 'extract-sync' },
  { id: 'voicemail-references', name: 'voicemail references' },
  { id: 'batch-reads', name: 'batch reads' },
  { id: 'rate-limits', name: 'rate limits' },
  { id: 'sessions', name: 'stored sessions' },
];

export function nameOf(id: CheckId): string {
  return CHECKS.find((c) => c.id === id)!.name;
}

/** A check result built from its id: the name comes from CHECKS. */
export function result(id: CheckId, status: CheckStatus, found: string, extra: { fix?: string | undefined; errorCode?: string | undefined } = {}): CheckResult {
  return { id, name: nameOf(id), status, found, ...(extra.fix ? { fix: extra.fix } : {}), ...(extra.errorCode ? { errorCode: extra.errorCode } : {}) };
}

/** What the checks need of RingCentral and the database; the CLI builds it (src/cli/commands/doctor.ts). */
export interface DoctorTarget {
  api: RingCentralApi;
  /** What RingCentral granted the client's session (scope, owner, refresh token). */
  grant(): Promise<SessionGrant>;
  /** The X-Rate-Limit-* values RingCentral announced per group on the responses so far. */
  announced(): Partial<Record<RateGroup, RateHeaders>>;
  database: Database;
  /** The credential's key in auth_sessions (main.ts credentialKey). */
  credentialKey: string;
  /** The keys stored sessions are sealed with. */
  keyring: SecretKeyring;
  serverUrl: string;
  fastPath: 'extract-sync' | 'off';
  /** Demo mode: the built-in simulator stands in for RingCentral. */
  demo: boolean;
}

/** What every check that calls RingCentral gets: the API, one meter for the whole run, the run's clock. */
export interface Probe {
  api: RingCentralApi;
  meter: RequestMeter;
  signal: AbortSignal | undefined;
  now: Date;
}

export interface DoctorReport {
  /** No check failed (warnings allowed). */
  ok: boolean;
  serverUrl: string;
  demo: boolean;
  /** The JWT user, when RingCentral told. */
  user: ExtensionDetails | undefined;
  checks: CheckResult[];
  /** The doctor's own requests per rate group, and how many of them were answered 429. */
  requests: Record<RateGroup, number>;
  rateLimited: number;
}
