CREATE TABLE "rate_ledger" (
	"credential_key" text NOT NULL,
	"rate_group" text NOT NULL,
	"request_limit" integer,
	"window_ms" integer,
	"sent" timestamp with time zone[] DEFAULT '{}' NOT NULL,
	"blocked_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rate_ledger_credential_key_rate_group_pk" PRIMARY KEY("credential_key","rate_group")
);
