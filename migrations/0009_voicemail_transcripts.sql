CREATE TABLE "voicemail_transcripts" (
	"account_id" text NOT NULL,
	"voicemail_id" text NOT NULL,
	"source_uri" text NOT NULL,
	"text" text,
	"byte_length" integer,
	"truncated" boolean DEFAULT false NOT NULL,
	"missing_code" text,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "voicemail_transcripts_account_id_voicemail_id_pk" PRIMARY KEY("account_id","voicemail_id")
);
--> statement-breakpoint
ALTER TABLE "voicemail_transcripts" ADD CONSTRAINT "voicemail_transcripts_voicemail_fk" FOREIGN KEY ("account_id","voicemail_id") REFERENCES "public"."voicemails"("account_id","id") ON DELETE cascade ON UPDATE no action;