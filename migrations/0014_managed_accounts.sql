CREATE TABLE "managed_accounts" (
	"name" text PRIMARY KEY NOT NULL,
	"account_id" text,
	"server_url" text NOT NULL,
	"client_id" text NOT NULL,
	"sealed_credentials" text NOT NULL,
	"credential_key" text NOT NULL,
	"schedule" text,
	"backfill_days" integer,
	"sweep_hours" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "managed_accounts_account_id_unique" UNIQUE("account_id")
);
