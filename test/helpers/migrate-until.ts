import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '../../src/store/db.ts';
import { MIGRATIONS_FOLDER } from '../../src/store/migrate.ts';

/**
 * Applies the committed migrations before the one whose tag ends with `tagSuffix` (e.g. "_bi_views"), as an
 * older callsync left the database: found by name, so renumbering the migrations does not break a test.
 */
export async function migrateUntil(database: Database, tagSuffix: string): Promise<void> {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const stop = journal.entries.findIndex((e) => e.tag.endsWith(tagSuffix));
  if (stop < 0) throw new Error(`no committed migration's tag ends with "${tagSuffix}"`);
  const folder = mkdtempSync(path.join(tmpdir(), 'callsync-migrations-'));
  try {
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, stop) }));
    const db = database.db as never;
    if (database.kind === 'pglite') await (await import('drizzle-orm/pglite/migrator')).migrate(db, { migrationsFolder: folder });
    else await (await import('drizzle-orm/postgres-js/migrator')).migrate(db, { migrationsFolder: folder });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
