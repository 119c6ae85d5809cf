CREATE TABLE "account_passes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_name" text NOT NULL,
	"worker_id" text NOT NULL,
	"token" bigint NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"outcome" text,
	"error" text,
	"error_code" text
);
--> statement-breakpoint
CREATE TABLE "sync_leases" (
	"account_name" text PRIMARY KEY NOT NULL,
	"due_at" timestamp with time zone DEFAULT now() NOT NULL,
	"owner" text,
	"token" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_error_code" text,
	"last_outcome" text,
	"last_started_at" timestamp with time zone,
	"last_ended_at" timestamp with time zone,
	"last_success_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "account_passes" ADD CONSTRAINT "account_passes_account_name_managed_accounts_name_fk" FOREIGN KEY ("account_name") REFERENCES "public"."managed_accounts"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_leases" ADD CONSTRAINT "sync_leases_account_name_managed_accounts_name_fk" FOREIGN KEY ("account_name") REFERENCES "public"."managed_accounts"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_passes_account_idx" ON "account_passes" USING btree ("account_name","claimed_at");--> statement-breakpoint
CREATE INDEX "sync_leases_due_idx" ON "sync_leases" USING btree ("due_at");