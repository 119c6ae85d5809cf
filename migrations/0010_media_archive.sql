CREATE TABLE "media_archive" (
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"id" text NOT NULL,
	"bytes" bigint,
	"sha256" text,
	"content_type" text,
	"failure_code" text,
	"archived_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_archive_account_id_kind_id_pk" PRIMARY KEY("account_id","kind","id")
);
