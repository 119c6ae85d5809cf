CREATE TABLE "voicemails" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"mailbox_extension_id" text NOT NULL,
	"uri" text,
	"direction" text,
	"from_phone_number" text,
	"from_e164" text,
	"from_name" text,
	"from_extension_id" text,
	"to_phone_number" text,
	"to_e164" text,
	"creation_time" timestamp with time zone,
	"last_modified_time" timestamp with time zone,
	"duration_seconds" integer,
	"read_status" text,
	"transcription_status" text,
	"availability" text NOT NULL,
	"audio_uri" text,
	"audio_content_type" text,
	"transcript_uri" text,
	"raw" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "voicemails_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"leg_position" integer NOT NULL,
	"id" text NOT NULL,
	"type" text,
	"uri" text,
	"content_uri" text,
	CONSTRAINT "recordings_account_id_call_id_leg_position_pk" PRIMARY KEY("account_id","call_id","leg_position")
);
--> statement-breakpoint
CREATE INDEX "voicemails_mailbox_idx" ON "voicemails" USING btree ("account_id","mailbox_extension_id","creation_time");--> statement-breakpoint
CREATE INDEX "voicemails_creation_idx" ON "voicemails" USING btree ("account_id","creation_time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "voicemails_updated_idx" ON "voicemails" USING btree ("account_id","updated_at");--> statement-breakpoint
CREATE INDEX "recordings_id_idx" ON "recordings" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "calls_updated_idx" ON "calls" USING btree ("account_id","updated_at");