CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"server_url" text NOT NULL,
	"name" text,
	"main_number" text,
	"raw" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "auth_sessions" (
	"credential_key" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "extensions" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"extension_number" text,
	"name" text,
	"type" text,
	"status" text,
	"present" boolean DEFAULT true NOT NULL,
	"raw" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "extensions_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "call_legs" (
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"position" integer NOT NULL,
	"leg_type" text,
	"master" boolean DEFAULT false NOT NULL,
	"party_id" text,
	"type" text,
	"direction" text,
	"action" text,
	"result" text,
	"reason" text,
	"reason_description" text,
	"start_time" timestamp with time zone NOT NULL,
	"duration_seconds" integer,
	"duration_ms" bigint,
	"transport" text,
	"internal_type" text,
	"telephony_session_id" text,
	"extension_id" text,
	"from_phone_number" text,
	"from_e164" text,
	"from_extension_number" text,
	"from_extension_id" text,
	"from_name" text,
	"from_location" text,
	"to_phone_number" text,
	"to_e164" text,
	"to_extension_number" text,
	"to_extension_id" text,
	"to_name" text,
	"to_location" text,
	"message_id" text,
	"message_type" text,
	"message_uri" text,
	"recording_id" text,
	"recording_type" text,
	"recording_uri" text,
	"recording_content_uri" text,
	"short_recording" boolean DEFAULT false NOT NULL,
	CONSTRAINT "call_legs_account_id_call_id_position_pk" PRIMARY KEY("account_id","call_id","position")
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"session_id" text,
	"uri" text,
	"type" text,
	"direction" text,
	"action" text,
	"result" text,
	"reason" text,
	"reason_description" text,
	"start_time" timestamp with time zone NOT NULL,
	"duration_seconds" integer,
	"duration_ms" bigint,
	"transport" text,
	"internal_type" text,
	"telephony_session_id" text,
	"extension_id" text,
	"from_phone_number" text,
	"from_e164" text,
	"from_extension_number" text,
	"from_extension_id" text,
	"from_name" text,
	"from_location" text,
	"to_phone_number" text,
	"to_e164" text,
	"to_extension_number" text,
	"to_extension_id" text,
	"to_name" text,
	"to_location" text,
	"message_id" text,
	"message_type" text,
	"message_uri" text,
	"recording_id" text,
	"recording_type" text,
	"recording_uri" text,
	"recording_content_uri" text,
	"short_recording" boolean DEFAULT false NOT NULL,
	"end_time" timestamp with time zone NOT NULL,
	"last_modified_time" timestamp with time zone,
	"deleted" boolean DEFAULT false NOT NULL,
	"leg_count" integer DEFAULT 0 NOT NULL,
	"raw" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calls_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"stream" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text DEFAULT 'running' NOT NULL,
	"inserted" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"requests" jsonb DEFAULT '{"Heavy":0,"Medium":0,"Light":0,"Auth":0}'::jsonb NOT NULL,
	"rate_limited" integer DEFAULT 0 NOT NULL,
	"error" text,
	"error_code" text
);
--> statement-breakpoint
CREATE TABLE "sync_state" (
	"account_id" text NOT NULL,
	"stream" text NOT NULL,
	"synced_through" timestamp with time zone,
	"cursor" jsonb,
	"sync_token" text,
	"sync_token_at" timestamp with time zone,
	"last_scan_at" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_error" text,
	"last_error_code" text,
	"records_synced" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_state_account_id_stream_pk" PRIMARY KEY("account_id","stream")
);
--> statement-breakpoint
CREATE INDEX "extensions_number_idx" ON "extensions" USING btree ("account_id","extension_number");--> statement-breakpoint
CREATE INDEX "call_legs_extension_idx" ON "call_legs" USING btree ("account_id","extension_id");--> statement-breakpoint
CREATE INDEX "call_legs_message_idx" ON "call_legs" USING btree ("account_id","message_id") WHERE "call_legs"."message_id" is not null;--> statement-breakpoint
CREATE INDEX "calls_start_idx" ON "calls" USING btree ("account_id","start_time" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "calls_session_idx" ON "calls" USING btree ("account_id","session_id");--> statement-breakpoint
CREATE INDEX "calls_telephony_session_idx" ON "calls" USING btree ("account_id","telephony_session_id");--> statement-breakpoint
CREATE INDEX "calls_from_e164_idx" ON "calls" USING btree ("account_id","from_e164");--> statement-breakpoint
CREATE INDEX "calls_to_e164_idx" ON "calls" USING btree ("account_id","to_e164");--> statement-breakpoint
CREATE INDEX "calls_message_idx" ON "calls" USING btree ("account_id","message_id") WHERE "calls"."message_id" is not null;--> statement-breakpoint
CREATE INDEX "sync_runs_stream_idx" ON "sync_runs" USING btree ("account_id","stream","started_at" DESC NULLS LAST);