-- disposition_days is kept by triggers, like the change feed (0004): every writer of calls or
-- call_dispositions (sync, derive, rederive, a future one) updates it in its own transaction. A call counts
-- in the bucket (UTC day of start_time, the disposition's extension or '', direction or '', disposition or
-- UNKNOWN) unless it is a tombstone. Statement-level triggers with transition tables: a page of rows costs
-- one grouped upsert. An UPDATE runs both the OLD (-1) and the NEW (+1) trigger, so a call that moves
-- between days, extensions or dispositions leaves one bucket and enters the other. Between the two a
-- bucket may hold 0 calls and still some seconds (another call's): only buckets at 0 and 0 are deleted.

-- Calls written (sign +1, the rows as they are now) or unwritten (sign -1, as they were), with the
-- disposition they have now: this statement did not change call_dispositions. Each row's partner is read
-- by its primary key (LIMIT 1 keeps the lookup per row: joined whole, the planner scans the other table).
CREATE FUNCTION disposition_days_note_calls() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign integer := TG_ARGV[0]::integer;
BEGIN
  INSERT INTO disposition_days AS a (day, account_id, extension_id, direction, disposition, calls, duration_seconds)
  SELECT (c.start_time AT TIME ZONE 'UTC')::date, c.account_id, coalesce(d.extension_id, ''), coalesce(c.direction, ''),
    coalesce(d.disposition, 'UNKNOWN'), sign * count(*), sign * coalesce(sum(c.duration_seconds), 0)
  FROM changed_rows c
  LEFT JOIN LATERAL (
    SELECT d.extension_id, d.disposition FROM call_dispositions d WHERE d.account_id = c.account_id AND d.call_id = c.id LIMIT 1
  ) d ON true
  WHERE NOT c.deleted
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (day, account_id, extension_id, direction, disposition) DO UPDATE
  SET calls = a.calls + excluded.calls, duration_seconds = a.duration_seconds + excluded.duration_seconds;
  DELETE FROM disposition_days WHERE calls = 0 AND duration_seconds = 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Dispositions written (sign +1) or unwritten (sign -1): the call moves from its bucket without this row
-- (no extension, UNKNOWN) to its bucket with it, or back. An UPDATE's two triggers net to old -> new.
CREATE FUNCTION disposition_days_note_dispositions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign integer := TG_ARGV[0]::integer;
BEGIN
  INSERT INTO disposition_days AS a (day, account_id, extension_id, direction, disposition, calls, duration_seconds)
  SELECT (c.start_time AT TIME ZONE 'UTC')::date, c.account_id, m.extension_id, coalesce(c.direction, ''), m.disposition,
    sum(m.n), sum(m.n * coalesce(c.duration_seconds, 0)::bigint)
  FROM changed_rows d
  CROSS JOIN LATERAL (
    SELECT c.account_id, c.start_time, c.direction, c.duration_seconds FROM calls c
    WHERE c.account_id = d.account_id AND c.id = d.call_id AND NOT c.deleted LIMIT 1
  ) c
  CROSS JOIN LATERAL (VALUES (sign, coalesce(d.extension_id, ''), d.disposition), (-sign, '', 'UNKNOWN')) AS m(n, extension_id, disposition)
  GROUP BY 1, 2, 3, 4, 5
  HAVING sum(m.n) <> 0 OR sum(m.n * coalesce(c.duration_seconds, 0)::bigint) <> 0
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (day, account_id, extension_id, direction, disposition) DO UPDATE
  SET calls = a.calls + excluded.calls, duration_seconds = a.duration_seconds + excluded.duration_seconds;
  DELETE FROM disposition_days WHERE calls = 0 AND duration_seconds = 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- From scratch: the backfill below, after a TRUNCATE (which has no transition table), or by hand as a
-- repair (`select disposition_days_rebuild();` as the tables' owner).
CREATE FUNCTION disposition_days_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM disposition_days;
  INSERT INTO disposition_days (day, account_id, extension_id, direction, disposition, calls, duration_seconds)
  SELECT (c.start_time AT TIME ZONE 'UTC')::date, c.account_id, coalesce(d.extension_id, ''), coalesce(c.direction, ''),
    coalesce(d.disposition, 'UNKNOWN'), count(*), coalesce(sum(c.duration_seconds), 0)
  FROM calls c LEFT JOIN call_dispositions d ON d.account_id = c.account_id AND d.call_id = c.id
  WHERE NOT c.deleted
  GROUP BY 1, 2, 3, 4, 5;
$$;
--> statement-breakpoint
CREATE FUNCTION disposition_days_note_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM disposition_days_rebuild();
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER disposition_days_insert AFTER INSERT ON calls REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_calls('1');--> statement-breakpoint
CREATE TRIGGER disposition_days_update_old AFTER UPDATE ON calls REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_calls('-1');--> statement-breakpoint
CREATE TRIGGER disposition_days_update_new AFTER UPDATE ON calls REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_calls('1');--> statement-breakpoint
CREATE TRIGGER disposition_days_delete AFTER DELETE ON calls REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_calls('-1');--> statement-breakpoint
CREATE TRIGGER disposition_days_truncate AFTER TRUNCATE ON calls FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_truncate();--> statement-breakpoint
CREATE TRIGGER disposition_days_insert AFTER INSERT ON call_dispositions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_dispositions('1');--> statement-breakpoint
CREATE TRIGGER disposition_days_update_old AFTER UPDATE ON call_dispositions REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_dispositions('-1');--> statement-breakpoint
CREATE TRIGGER disposition_days_update_new AFTER UPDATE ON call_dispositions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_dispositions('1');--> statement-breakpoint
CREATE TRIGGER disposition_days_delete AFTER DELETE ON call_dispositions REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_dispositions('-1');--> statement-breakpoint
CREATE TRIGGER disposition_days_truncate AFTER TRUNCATE ON call_dispositions FOR EACH STATEMENT EXECUTE FUNCTION disposition_days_note_truncate();--> statement-breakpoint
-- Calls stored before the aggregate existed.
SELECT disposition_days_rebuild();
