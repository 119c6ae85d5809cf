CREATE TABLE "call_dispositions" (
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"disposition" text NOT NULL,
	"reason" text NOT NULL,
	"rule_id" text NOT NULL,
	"extension_id" text,
	"ring_seconds" integer,
	"talk_seconds" integer,
	"final" boolean NOT NULL,
	"pending_reason" text,
	"rule_version" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_dispositions_account_id_call_id_pk" PRIMARY KEY("account_id","call_id")
);
--> statement-breakpoint
CREATE TABLE "callbacks" (
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"callback_call_id" text NOT NULL,
	"seconds_after_end" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "callbacks_account_id_call_id_pk" PRIMARY KEY("account_id","call_id")
);
--> statement-breakpoint
CREATE TABLE "voicemail_links" (
	"account_id" text NOT NULL,
	"voicemail_id" text NOT NULL,
	"call_id" text,
	"method" text,
	"confidence" real,
	"seconds_after_call_start" integer,
	"unlinked_reason" text,
	"evidence" jsonb NOT NULL,
	"rule_version" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "voicemail_links_account_id_voicemail_id_pk" PRIMARY KEY("account_id","voicemail_id")
);
--> statement-breakpoint
CREATE INDEX "call_dispositions_pending_idx" ON "call_dispositions" USING btree ("account_id") WHERE not "call_dispositions"."final";--> statement-breakpoint
CREATE UNIQUE INDEX "voicemail_links_call_idx" ON "voicemail_links" USING btree ("account_id","call_id") WHERE "voicemail_links"."call_id" is not null;