import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from './db.ts';

/** Extension types without a message store; every other type (users, departments/queues, shared...) has one. */
const NO_MAILBOX = ['IvrMenu', 'PagingOnly', 'ParkLocation', 'Announcement', 'Site', 'Bot', 'ApplicationExtension', 'Room', 'GroupCallPickup', 'Limited'];
/** Statuses of extensions that cannot receive calls: read only when the call log says one did. */
const NO_CALLS = ['Disabled', 'NotActivated'];

export interface MailboxRow {
  id: string;
  evidenceAt: Date | null;
  noticedAt: Date | null;
  readStartedDbAt: Date | null;
  readStartedAt: Date | null;
  access: 'readable' | 'forbidden' | null;
  accessErrorCode: string | null;
  accessCheckedAt: Date | null;
  /** False for disabled or not activated extensions: no rotation, only evidence brings them in. */
  receivesCalls: boolean;
}

const date = (v: string | null): Date | null => (v === null ? null : new Date(v));

/** Every present extension that has a mailbox, with what the voicemail sync knows of it. */
export async function loadMailboxes(db: Db, accountId: string): Promise<MailboxRow[]> {
  const rows = rowsOf<{ id: string; status: string | null; evidence_at: string | null; noticed_at: string | null; read_started_db_at: string | null; read_started_at: string | null; access: string | null; access_error_code: string | null; access_checked_at: string | null }>(
    await db.execute(sql`
      select e.id, e.status, m.evidence_at::text, m.noticed_at::text, m.read_started_db_at::text, m.read_started_at::text, m.access, m.access_error_code, m.access_checked_at::text
      from extensions e left join mailboxes m on m.account_id = e.account_id and m.extension_id = e.id
      where e.account_id = ${accountId} and e.present and coalesce(e.type, '') not in (${sql.join(NO_MAILBOX.map((t) => sql`${t}`), sql`, `)})
      order by e.id`),
  );
  return rows.map((r) => ({
    id: r.id,
    evidenceAt: date(r.evidence_at),
    noticedAt: date(r.noticed_at),
    readStartedDbAt: date(r.read_started_db_at),
    readStartedAt: date(r.read_started_at),
    access: r.access === 'readable' || r.access === 'forbidden' ? r.access : null,
    accessErrorCode: r.access_error_code,
    accessCheckedAt: date(r.access_checked_at),
    receivesCalls: !NO_CALLS.includes(r.status ?? ''),
  }));
}

export interface Evidence {
  /** The latest end of an unanswered call routed to the mailbox. */
  callEnd: Date;
  /** The latest calls.updated_at (database clock, as text for microseconds) of such a call. */
  written: string;
}

/** Raises each mailbox's evidence (never lowers it): the latest unanswered call's end and record write. */
export async function recordEvidence(db: Db, accountId: string, evidence: Map<string, Evidence>): Promise<void> {
  if (evidence.size === 0) return;
  const json = JSON.stringify([...evidence].map(([id, e]) => ({ id, at: e.callEnd.toISOString(), written: e.written })));
  await db.execute(sql`
    insert into mailboxes (account_id, extension_id, evidence_at, noticed_at)
    select ${accountId}, e.id, e.at, e.written from json_to_recordset(${json}::json) as e(id text, at timestamptz, written timestamptz)
    on conflict (account_id, extension_id) do update
      set evidence_at = greatest(mailboxes.evidence_at, excluded.evidence_at),
          noticed_at = greatest(mailboxes.noticed_at, excluded.noticed_at), updated_at = now()`);
}

/** The database's clock now, as text (microseconds kept): a read's start on the clock calls.updated_at uses. */
export async function databaseNow(db: Db): Promise<string> {
  const [row] = rowsOf<{ now: string }>(await db.execute(sql`select clock_timestamp()::text as now`));
  return row!.now;
}

/** A complete read of the mailbox that started at `startedAt` (`startedDbAt` on the database clock); it proves the mailbox readable. */
export async function markMailboxRead(db: Db, accountId: string, extensionId: string, startedAt: Date, startedDbAt: string): Promise<void> {
  await db.execute(sql`
    insert into mailboxes (account_id, extension_id, read_started_at, read_started_db_at, access, access_checked_at)
    values (${accountId}, ${extensionId}, ${startedAt.toISOString()}, ${startedDbAt}::timestamptz, 'readable', ${startedAt.toISOString()})
    on conflict (account_id, extension_id) do update
      set read_started_at = greatest(mailboxes.read_started_at, excluded.read_started_at),
          read_started_db_at = greatest(mailboxes.read_started_db_at, excluded.read_started_db_at), access = 'readable',
          access_error_code = null, access_checked_at = excluded.access_checked_at, updated_at = now()`);
}

/** RingCentral refused us the mailbox (CMN-419, 404...): not read again until access is re-checked. */
export async function markMailboxForbidden(db: Db, accountId: string, extensionIds: string[], errorCode: string | null, at: Date): Promise<void> {
  if (extensionIds.length === 0) return;
  await db.execute(sql`
    insert into mailboxes (account_id, extension_id, access, access_error_code, access_checked_at)
    select ${accountId}, id, 'forbidden', ${errorCode}, ${at.toISOString()} from unnest(${sql.raw(`array[${extensionIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(',')}]`)}::text[]) as id
    on conflict (account_id, extension_id) do update
      set access = 'forbidden', access_error_code = excluded.access_error_code, access_checked_at = excluded.access_checked_at, updated_at = now()`);
}

/** Access may have changed (permission granted): every refused mailbox is tried again. */
export async function forgetRefusals(db: Db, accountId: string, extensionIds?: string[]): Promise<number> {
  const only = extensionIds ? sql` and extension_id in (${sql.join(extensionIds.map((id) => sql`${id}`), sql`, `)})` : sql``;
  if (extensionIds && extensionIds.length === 0) return 0;
  const rows = rowsOf<{ extension_id: string }>(await db.execute(sql`
    update mailboxes set access = null, access_error_code = null, updated_at = now()
    where account_id = ${accountId} and access = 'forbidden'${only} returning extension_id`));
  return rows.length;
}
