import { timestamp } from 'drizzle-orm/pg-core';

/** Every instant is timestamptz, read as a JS Date: one definition, so no table can drift to local time. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
