CREATE TABLE "call_changes" (
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "call_changes_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_changes_xid_seq_pk" PRIMARY KEY("xid","seq")
);
--> statement-breakpoint
DROP INDEX "call_legs_extension_idx";--> statement-breakpoint
DROP INDEX "calls_start_idx";--> statement-breakpoint
DROP INDEX "calls_session_idx";--> statement-breakpoint
DROP INDEX "calls_telephony_session_idx";--> statement-breakpoint
DROP INDEX "calls_from_e164_idx";--> statement-breakpoint
DROP INDEX "calls_to_e164_idx";--> statement-breakpoint
DROP INDEX "voicemails_creation_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "call_changes_txn_call_idx" ON "call_changes" USING btree ("xid","account_id","call_id");--> statement-breakpoint
CREATE INDEX "call_changes_call_idx" ON "call_changes" USING btree ("account_id","call_id","xid","seq");--> statement-breakpoint
CREATE INDEX "call_legs_extension_idx" ON "call_legs" USING btree ("extension_id","account_id","call_id");--> statement-breakpoint
CREATE INDEX "calls_start_idx" ON "calls" USING btree ("start_time","id");--> statement-breakpoint
CREATE INDEX "calls_session_idx" ON "calls" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "calls_telephony_session_idx" ON "calls" USING btree ("telephony_session_id");--> statement-breakpoint
CREATE INDEX "calls_from_e164_idx" ON "calls" USING btree ("from_e164");--> statement-breakpoint
CREATE INDEX "calls_to_e164_idx" ON "calls" USING btree ("to_e164");--> statement-breakpoint
CREATE INDEX "voicemails_creation_idx" ON "voicemails" USING btree ("creation_time","id");--> statement-breakpoint
-- The change feed is written by triggers, so every writer (sync, derive, rederive, a future one) feeds it.
-- Statement-level triggers with transition tables add one row per call per statement; the unique index on
-- (xid, account_id, call_id) folds a transaction's statements into one row per call.
CREATE FUNCTION call_feed_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO call_changes (account_id, call_id)
  SELECT DISTINCT account_id, call_id FROM changed_rows WHERE call_id IS NOT NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION call_feed_note_calls() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO call_changes (account_id, call_id)
  SELECT DISTINCT account_id, id FROM changed_rows
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A voicemail's own change (read, deleted, purged) changes the call it is linked to.
CREATE FUNCTION call_feed_note_voicemails() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO call_changes (account_id, call_id)
  SELECT DISTINCT l.account_id, l.call_id FROM changed_rows v
  JOIN voicemail_links l ON l.account_id = v.account_id AND l.voicemail_id = v.id
  WHERE l.call_id IS NOT NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER call_feed_insert AFTER INSERT ON calls REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note_calls();--> statement-breakpoint
CREATE TRIGGER call_feed_update AFTER UPDATE ON calls REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note_calls();--> statement-breakpoint
CREATE TRIGGER call_feed_delete AFTER DELETE ON calls REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note_calls();--> statement-breakpoint
CREATE TRIGGER call_feed_update AFTER UPDATE ON voicemails REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note_voicemails();--> statement-breakpoint
CREATE TRIGGER call_feed_insert AFTER INSERT ON call_legs REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_update AFTER UPDATE ON call_legs REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_delete AFTER DELETE ON call_legs REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_insert AFTER INSERT ON recordings REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_update AFTER UPDATE ON recordings REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_delete AFTER DELETE ON recordings REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_insert AFTER INSERT ON call_dispositions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_update AFTER UPDATE ON call_dispositions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_delete AFTER DELETE ON call_dispositions REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_insert AFTER INSERT ON callbacks REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_update AFTER UPDATE ON callbacks REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_delete AFTER DELETE ON callbacks REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
-- A link that moves from one call to another changes both: the old call_id and the new one.
CREATE TRIGGER call_feed_insert AFTER INSERT ON voicemail_links REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_update_new AFTER UPDATE ON voicemail_links REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_update_old AFTER UPDATE ON voicemail_links REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
CREATE TRIGGER call_feed_delete AFTER DELETE ON voicemail_links REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION call_feed_note();--> statement-breakpoint
-- Calls stored before the feed existed enter it once, oldest first.
INSERT INTO call_changes (account_id, call_id, changed_at)
SELECT account_id, id, updated_at FROM calls ORDER BY start_time, id;
