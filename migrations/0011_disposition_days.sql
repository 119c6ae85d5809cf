CREATE TABLE "disposition_days" (
	"day" date NOT NULL,
	"account_id" text NOT NULL,
	"extension_id" text NOT NULL,
	"direction" text NOT NULL,
	"disposition" text NOT NULL,
	"calls" integer NOT NULL,
	"duration_seconds" bigint NOT NULL,
	CONSTRAINT "disposition_days_day_account_id_extension_id_direction_disposition_pk" PRIMARY KEY("day","account_id","extension_id","direction","disposition")
);
--> statement-breakpoint
CREATE INDEX "disposition_days_empty_idx" ON "disposition_days" USING btree ("day") WHERE "disposition_days"."calls" = 0;