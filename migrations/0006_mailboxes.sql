CREATE TABLE "mailboxes" (
	"account_id" text NOT NULL,
	"extension_id" text NOT NULL,
	"evidence_at" timestamp with time zone,
	"noticed_at" timestamp with time zone,
	"read_started_at" timestamp with time zone,
	"access" text,
	"access_error_code" text,
	"access_checked_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mailboxes_account_id_extension_id_pk" PRIMARY KEY("account_id","extension_id")
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "coverage_from" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "details" jsonb;--> statement-breakpoint
ALTER TABLE "voicemails" ADD COLUMN "readable" boolean DEFAULT true NOT NULL;--> statement-breakpoint
CREATE INDEX "mailboxes_read_idx" ON "mailboxes" USING btree ("account_id","read_started_at");