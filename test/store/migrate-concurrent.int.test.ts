import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.ts';
import { migrate, schemaVersion } from '../../src/store/migrate.ts';
import { createEmptyPostgresDatabase, databaseKind, dropPostgresDatabase } from '../helpers/database.ts';

// Several processes on one empty database (workers started together, a `start` beside them) each migrate at
// start: the later ones wait for the first one's migration instead of failing. Needs a second session.
describe.skipIf(databaseKind === 'pglite')('migrations started by several processes at once (postgres)', () => {
  it('all succeed: the first migrates, the others wait for it and find nothing left to do', async () => {
    const url = await createEmptyPostgresDatabase();
    const handles = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ url })));
    try {
      const results = await Promise.allSettled(handles.map((h) => migrate(h)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const version = await schemaVersion(handles[0]!);
      expect(version.applied).toBe(version.expected);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await dropPostgresDatabase(url);
    }
  });
});
