import { sql } from 'drizzle-orm';
import type { Database } from '../store/db.ts';
import { MediaRefusal } from './refusal.ts';
import type { MediaSource } from './source.ts';

/**
 * RingCentral audio for a `serve` that may read a hot standby. A download may have to renew the shared
 * RingCentral session, which writes auth_sessions, and a standby refuses the write (read-only, 25006) only
 * after RingCentral has renewed it: the old access token is void at once (api-notes §1.2), so every process
 * on the stored session would lose it. Even while the stored token is valid the download is refused, before
 * RingCentral is asked, so whether /media works does not depend on the token's age; archived audio is still
 * served (the archive is read first and writes nothing). Asked per download, not once at start: a promoted
 * standby serves audio without a restart.
 */
export function primaryOnly(source: MediaSource, database: Database): MediaSource {
  return {
    async open(item, range, signal) {
      const [row] = await database.query<{ standby: boolean }>(sql`select pg_is_in_recovery() as standby`);
      if (row?.standby) {
        throw new MediaRefusal(503, 'MEDIA_NEEDS_PRIMARY', 'this server reads a read-only replica of the database, and fetching audio from RingCentral may renew the RingCentral session, which only the primary can store: send /media/ to a `callsync serve` on the primary (PUBLIC_BASE_URL), or keep copies with MEDIA_ARCHIVE_DIR, which replicas serve');
      }
      return source.open(item, range, signal);
    },
  };
}
