CREATE INDEX "calls_extension_idx" ON "calls" USING btree ("extension_id","account_id","id");--> statement-breakpoint
CREATE INDEX "call_dispositions_disposition_idx" ON "call_dispositions" USING btree ("disposition","account_id","call_id");--> statement-breakpoint
CREATE INDEX "call_dispositions_extension_idx" ON "call_dispositions" USING btree ("extension_id","account_id","call_id");