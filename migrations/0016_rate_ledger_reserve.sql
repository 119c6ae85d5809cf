-- One reservation in a credential's rate group, for every process at once (store/rate-ledger.ts): one
-- statement, under the row's lock. It drops the sends that have left the window (and the margin), then
-- either counts this request (wait_ms 0) or says how long until the block ends or the oldest send in the
-- way leaves the window (wait_ms > 0, nothing counted). The instant is the database's clock read after the
-- lock is taken, so a wait for the lock never makes a send look older than it was, and processes on
-- machines with skewed clocks agree; p_at stands in for it in tests only. The limit and window are the
-- ones a process adopted from RingCentral's headers, else the caller's defaults; both are returned, so
-- every process learns what one has seen.
CREATE FUNCTION rate_ledger_reserve(p_key text, p_group text, p_limit integer, p_window_ms integer, p_margin_ms integer, p_at timestamptz DEFAULT NULL)
RETURNS TABLE (wait_ms integer, request_limit integer, window_ms integer) LANGUAGE plpgsql AS $$
DECLARE
  r rate_ledger%ROWTYPE;
  t timestamptz;
  span interval;
  kept timestamptz[];
  n integer;
BEGIN
  SELECT * INTO r FROM rate_ledger l WHERE l.credential_key = p_key AND l.rate_group = p_group FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO rate_ledger (credential_key, rate_group) VALUES (p_key, p_group) ON CONFLICT DO NOTHING;
    SELECT * INTO r FROM rate_ledger l WHERE l.credential_key = p_key AND l.rate_group = p_group FOR UPDATE;
  END IF;
  t := coalesce(p_at, clock_timestamp());
  request_limit := greatest(1, coalesce(r.request_limit, p_limit));
  window_ms := greatest(1, coalesce(r.window_ms, p_window_ms));
  span := (window_ms + p_margin_ms) * interval '1 millisecond';
  kept := ARRAY(SELECT s FROM unnest(r.sent) AS s WHERE s > t - span ORDER BY s);
  n := cardinality(kept);
  IF r.blocked_until > t THEN
    wait_ms := ceil(extract(epoch FROM r.blocked_until - t) * 1000) + p_margin_ms;
  ELSIF n >= request_limit THEN
    wait_ms := greatest(1, ceil(extract(epoch FROM kept[n - request_limit + 1] + span - t) * 1000));
  ELSE
    wait_ms := 0;
    UPDATE rate_ledger l SET sent = kept || t, updated_at = t WHERE l.credential_key = p_key AND l.rate_group = p_group;
  END IF;
  RETURN NEXT;
END $$;
--> statement-breakpoint
-- Soft state, rewritten on every request: no WAL, so a reservation's commit waits for no disk flush. A crash
-- of the database empties the table: for one window the ledger does not know what was sent just before
-- (RingCentral's X-Rate-Limit-Remaining and 429s, reported by whoever sees them, still stop the group).
ALTER TABLE rate_ledger SET UNLOGGED;
