-- Reporting views for BI tools (Metabase, Superset, Power BI) that connect to PostgreSQL directly. They are
-- the contract, not the tables: a BI role is granted USAGE on this schema and SELECT on its views only
-- (`callsync db-grants --bi-role`). The views keep the default security_invoker = off, so they read the
-- tables with their owner's (the sync role's) rights and the BI role needs no grant on any table.
--
-- Keeping them valid: PostgreSQL refuses a later migration that drops or retypes a column a view reads
-- (test/store/bi-views.int.test.ts selects every view after all migrations). Such a migration first drops the
-- view and recreates it, with its comments, in a --custom migration of its own; CREATE OR REPLACE VIEW
-- may only append columns, and existing columns keep their names and types (dashboards depend on them).
CREATE SCHEMA callsync_bi;
--> statement-breakpoint
COMMENT ON SCHEMA callsync_bi IS 'callsync reporting views for BI tools: stable columns, read with the role `callsync db-grants --bi-role` sets up.';--> statement-breakpoint
CREATE VIEW callsync_bi.calls AS
SELECT
  c.account_id,
  c.id AS call_id,
  c.session_id,
  c.telephony_session_id,
  c.start_time,
  c.end_time,
  (c.start_time AT TIME ZONE 'UTC')::date AS start_day,
  c.direction,
  c.type,
  c.action,
  c.result,
  c.reason,
  c.duration_seconds,
  coalesce(c.from_e164, c.from_phone_number) AS from_number,
  c.from_name,
  c.from_extension_id,
  coalesce(c.to_e164, c.to_phone_number) AS to_number,
  c.to_name,
  c.to_extension_id,
  coalesce(d.disposition, 'UNKNOWN') AS disposition,
  d.reason AS disposition_reason,
  coalesce(d.final, false) AS disposition_final,
  d.extension_id,
  e.extension_number,
  e.name AS extension_name,
  d.ring_seconds,
  d.talk_seconds,
  l.voicemail_id,
  l.method AS voicemail_link_method,
  r.id AS recording_id,
  r.type AS recording_type,
  cb.callback_call_id,
  cb.seconds_after_end AS callback_seconds_after_end,
  c.last_modified_time,
  c.updated_at
FROM calls c
LEFT JOIN call_dispositions d ON d.account_id = c.account_id AND d.call_id = c.id
LEFT JOIN extensions e ON e.account_id = d.account_id AND e.id = d.extension_id
LEFT JOIN voicemail_links l ON l.account_id = c.account_id AND l.call_id = c.id
LEFT JOIN LATERAL (
  SELECT r.id, r.type FROM recordings r
  WHERE r.account_id = c.account_id AND r.call_id = c.id
  ORDER BY r.leg_position LIMIT 1
) r ON true
LEFT JOIN callbacks cb ON cb.account_id = c.account_id AND cb.call_id = c.id
WHERE NOT c.deleted;
--> statement-breakpoint
COMMENT ON VIEW callsync_bi.calls IS 'One row per call in the RingCentral call log, with its final disposition and what belongs to it (voicemail, recording, callback, handling extension). Calls RingCentral deleted are left out.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.account_id IS 'RingCentral account id.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.call_id IS 'RingCentral call-log record id; unique within the account.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.session_id IS 'RingCentral session id (shared by the records of one call session).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.telephony_session_id IS 'RingCentral telephony session id.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.start_time IS 'When the call started (timestamptz).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.end_time IS 'When the call ended: start_time plus its duration.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.start_day IS 'The UTC day the call started: the day of daily_dispositions and of the API''s dispositionSummary.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.direction IS 'Inbound or Outbound, as RingCentral reports it.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.type IS 'Voice or Fax.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.action IS 'RingCentral action, e.g. Phone Call, VoIP Call, Incoming Fax.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.result IS 'RingCentral result as sent, e.g. Accepted, Missed, Voicemail (raw; see disposition for the derived outcome).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.reason IS 'RingCentral reason code, when sent.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.duration_seconds IS 'Call length in seconds, ring time included, as RingCentral reports it.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.from_number IS 'Caller number in E.164 when it parses, else as RingCentral sent it.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.from_name IS 'Caller name (caller ID or extension name), when known.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.from_extension_id IS 'The calling extension, for calls placed from inside the account.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.to_number IS 'Called number in E.164 when it parses, else as RingCentral sent it.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.to_name IS 'Called party name, when known.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.to_extension_id IS 'The called extension, for calls to an extension of the account.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.disposition IS 'The call''s outcome derived by callsync: ANSWERED, VOICEMAIL, MISSED, ABANDONED, BUSY, REJECTED, NO_ANSWER, BLOCKED, FAILED or UNKNOWN (also until derived).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.disposition_reason IS 'Why callsync chose that disposition, in words; NULL until derived.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.disposition_final IS 'false while the disposition can still change (e.g. a voicemail may still arrive).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.extension_id IS 'The extension the disposition is about: who answered, or whose call was missed.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.extension_number IS 'That extension''s number (short dial).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.extension_name IS 'That extension''s name (user, queue, IVR...).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.ring_seconds IS 'Seconds the call rang before it was answered or given up, when known.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.talk_seconds IS 'Seconds of conversation after the answer, when answered.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.voicemail_id IS 'The voicemail left on this call (callsync_bi.voicemails.voicemail_id), if any.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.voicemail_link_method IS 'How the voicemail was tied to the call: CALL_LOG_REFERENCE (RingCentral names it) or MATCHED (number and time).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.recording_id IS 'RingCentral recording id of the call (the first, when legs were recorded separately).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.recording_type IS 'Automatic or OnDemand.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.callback_call_id IS 'For an unanswered inbound call: the first later outbound call to the same number (its call_id).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.callback_seconds_after_end IS 'Seconds from the end of this call to the callback.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.last_modified_time IS 'When RingCentral last changed the record.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.calls.updated_at IS 'When callsync last wrote the record.';--> statement-breakpoint
CREATE VIEW callsync_bi.voicemails AS
SELECT
  v.account_id,
  v.id AS voicemail_id,
  v.mailbox_extension_id,
  e.extension_number AS mailbox_extension_number,
  e.name AS mailbox_extension_name,
  v.creation_time,
  (v.creation_time AT TIME ZONE 'UTC')::date AS creation_day,
  coalesce(v.from_e164, v.from_phone_number) AS from_number,
  v.from_name,
  coalesce(v.to_e164, v.to_phone_number) AS to_number,
  v.duration_seconds,
  v.read_status,
  v.transcription_status,
  v.availability,
  v.readable,
  l.call_id,
  l.method AS link_method,
  l.confidence AS link_confidence,
  l.seconds_after_call_start,
  l.unlinked_reason,
  v.last_modified_time,
  v.updated_at
FROM voicemails v
LEFT JOIN extensions e ON e.account_id = v.account_id AND e.id = v.mailbox_extension_id
LEFT JOIN voicemail_links l ON l.account_id = v.account_id AND l.voicemail_id = v.id;
--> statement-breakpoint
COMMENT ON VIEW callsync_bi.voicemails IS 'One row per voicemail message in any mailbox, with the call it belongs to. Deleted and purged messages stay (see availability).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.account_id IS 'RingCentral account id.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.voicemail_id IS 'RingCentral message id; unique within the account.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.mailbox_extension_id IS 'The extension whose mailbox holds the message.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.mailbox_extension_number IS 'That extension''s number (short dial).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.mailbox_extension_name IS 'That extension''s name.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.creation_time IS 'When the message was left (timestamptz).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.creation_day IS 'The UTC day the message was left.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.from_number IS 'Caller number in E.164 when it parses, else as RingCentral sent it.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.from_name IS 'Caller name, when known.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.to_number IS 'Called number in E.164 when it parses, else as RingCentral sent it.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.duration_seconds IS 'Length of the message in seconds.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.read_status IS 'Read or Unread, in the mailbox.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.transcription_status IS 'RingCentral''s voicemail transcription status (e.g. Completed, InProgress, Failed), when sent.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.availability IS 'Alive, Deleted (in the mailbox''s trash) or Purged (gone from RingCentral).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.readable IS 'false for a message the call log names in a mailbox RingCentral does not let callsync read: only its id and mailbox are known.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.call_id IS 'The call the message was left on (callsync_bi.calls.call_id, unless RingCentral deleted that call since); NULL when callsync could not tie it to one.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.link_method IS 'How the message was tied to the call: CALL_LOG_REFERENCE (RingCentral names it) or MATCHED (number and time).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.link_confidence IS 'Confidence of that link, 0 to 1 (1 for RingCentral''s own reference).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.seconds_after_call_start IS 'Seconds from the start of the call to the message.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.unlinked_reason IS 'Why the message is tied to no call (no candidate, ambiguous...), else NULL.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.last_modified_time IS 'When RingCentral last changed the message.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.voicemails.updated_at IS 'When callsync last wrote the message.';--> statement-breakpoint
CREATE VIEW callsync_bi.daily_dispositions AS
SELECT
  a.day,
  a.account_id,
  nullif(a.extension_id, '') AS extension_id,
  e.extension_number,
  e.name AS extension_name,
  nullif(a.direction, '') AS direction,
  a.disposition,
  a.calls,
  a.duration_seconds AS total_duration_seconds
FROM disposition_days a
LEFT JOIN extensions e ON e.account_id = a.account_id AND e.id = a.extension_id
WHERE a.calls > 0;
--> statement-breakpoint
COMMENT ON VIEW callsync_bi.daily_dispositions IS 'Calls per UTC day, extension, direction and disposition (deleted calls left out): what the API''s dispositionSummary answers, kept current as calls are synced. Sum calls over any grouping.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.day IS 'The UTC day the calls started (callsync_bi.calls.start_day).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.account_id IS 'RingCentral account id.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.extension_id IS 'The extension the dispositions are about (callsync_bi.calls.extension_id); NULL for calls without one.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.extension_number IS 'That extension''s number (short dial).';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.extension_name IS 'That extension''s name.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.direction IS 'Inbound or Outbound; NULL when RingCentral sent none.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.disposition IS 'The derived disposition (callsync_bi.calls.disposition); UNKNOWN for calls not derived yet.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.calls IS 'Number of calls.';--> statement-breakpoint
COMMENT ON COLUMN callsync_bi.daily_dispositions.total_duration_seconds IS 'Sum of their duration_seconds.';
