/** The drizzle tables; drizzle-kit reads this file to generate migrations/. */
export * from './tables/accounts.ts';
export * from './tables/extensions.ts';
export * from './tables/calls.ts';
export * from './tables/sync.ts';
export * from './tables/voicemails.ts';
export * from './tables/recordings.ts';
export * from './tables/derived.ts';
export * from './tables/api-keys.ts';
export * from './tables/feed.ts';
export * from './tables/mailboxes.ts';
export * from './tables/media-archive.ts';
export * from './tables/disposition-days.ts';
export * from './tables/managed-accounts.ts';
export * from './tables/rate-ledger.ts';
export * from './tables/leases.ts';
