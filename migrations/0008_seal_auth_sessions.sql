-- Stored sessions were plaintext tokens. They are only a cache: the next process logs in once with the JWT.
DELETE FROM "auth_sessions";--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD COLUMN "sealed" text NOT NULL;--> statement-breakpoint
ALTER TABLE "auth_sessions" DROP COLUMN "data";
