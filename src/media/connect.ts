import type { Config, RingCentralCredentials } from '../config.ts';
import type { Logger } from '../logger.ts';
import { RingCentralClient } from '../ringcentral/client.ts';
import { RateBudget } from '../ringcentral/rate-budget.ts';
import type { RequestBudget } from '../ringcentral/request-budget.ts';
import type { SecretKeyring } from '../secrets/box.ts';
import { authSessionKeyring } from '../secrets/keys.ts';
import { sharedAuthSession } from '../store/auth-sessions.ts';
import type { Database } from '../store/db.ts';
import { mayUseTable } from '../store/roles.ts';
import type { MediaServerOptions } from './api.ts';
import { archivedMedia } from './archive.ts';
import { fileArchiveStore } from './archive-store.ts';
import { primaryOnly } from './primary-only.ts';
import { ringCentralMedia, type MediaSource } from './source.ts';
import { accountMediaSources } from './account-sources.ts';
import type { MediaArchiveDeps } from './archive.ts';

/** The media options of a process that holds a RingCentral client (`start`): its client, budget and keyring. */
export function mediaServerOptions(config: Config, ringcentral: { client: RingCentralClient; budget: RequestBudget; credentials: RingCentralCredentials }, keyring: SecretKeyring, logger: Logger): MediaServerOptions {
  const source = ringCentralMedia({ ...ringcentral, serverUrl: ringcentral.credentials.serverUrl, logger: logger.child({ component: 'media' }) });
  return { source, keyring, publicBaseUrl: config.media.publicBaseUrl, linkTtlHours: config.media.linkTtlHours, archive: archiveOf(config) };
}

/** What the sync's archive stream needs (MEDIA_ARCHIVE_DIR): the store, and downloads through the sync's client and budget. */
export function mediaArchiveDeps(config: Config, client: RingCentralClient): MediaArchiveDeps | undefined {
  const dir = config.media.archiveDir;
  return dir ? { store: fileArchiveStore(dir), download: (uri, group, meter, signal) => client.download(uri, undefined, group, meter, signal) } : undefined;
}

/** The archive /media reads first (MEDIA_ARCHIVE_DIR), or undefined without one. */
function archiveOf(config: Config) {
  return config.media.archiveDir ? archivedMedia(fileArchiveStore(config.media.archiveDir)) : undefined;
}

/**
 * `serve`'s media: it syncs nothing and may run as the read-only API role, which cannot read the RingCentral
 * session (auth_sessions). It serves audio when it has the RingCentral credentials (the same RC_* as the
 * sync) and its role may use the shared session (`callsync db-grants --media`); otherwise /media answers 503
 * naming what to configure, and signed links still verify (they need only the keyring).
 */
export async function mediaForServe(config: Config, database: Database, credentialKey: (c: RingCentralCredentials) => string, budgetFor: (credentialKey: string) => RequestBudget, logger: Logger): Promise<MediaServerOptions> {
  const keyring = authSessionKeyring(config, logger);
  const base = { keyring, publicBaseUrl: config.media.publicBaseUrl, linkTtlHours: config.media.linkTtlHours, archive: archiveOf(config) };
  const credentials = config.ringcentral;
  // The API role reads added accounts' credentials only with `db-grants --media`.
  const managed = await mayUseTable(database, 'managed_accounts', 'SELECT');
  if (!credentials && !managed) {
    const unavailable = 'this `callsync serve` has no RingCentral credentials, so it cannot fetch audio: set RC_CLIENT_ID, RC_CLIENT_SECRET and RC_JWT (those of the sync), or add accounts with `callsync account add`, and give its database role the RingCentral sessions (`callsync db-grants --media`); or send CRMs to the API of `callsync start`';
    logger.warn(unavailable);
    return { ...base, source: { unavailable } };
  }
  // A refresh locks the session's row (UPDATE), and a first login inserts it.
  if (!(await mayUseTable(database, 'auth_sessions', 'SELECT, INSERT, UPDATE'))) {
    const unavailable = 'this `callsync serve` may not use the RingCentral session (its database role lacks SELECT, INSERT, UPDATE on auth_sessions), so it cannot fetch audio: apply `callsync db-grants --media` (part 2), or send CRMs to the API of `callsync start`';
    logger.warn(unavailable);
    return { ...base, source: { unavailable } };
  }
  let fallback: MediaSource | undefined;
  if (credentials) {
    const key = credentialKey(credentials);
    const budget = budgetFor(key);
    const client = new RingCentralClient({ credentials, budget, logger: logger.child({ component: 'ringcentral' }), session: sharedAuthSession(database, key, { keyring, logger }) });
    fallback = ringCentralMedia({ client, budget, serverUrl: credentials.serverUrl, logger: logger.child({ component: 'media' }) });
  }
  // Accounts added with `account add` are fetched with their own credentials, the rest with RC_*'s.
  const source = managed ? accountMediaSources({ database, keyring, logger, budgetFor, fallback }) : fallback!;
  return { ...base, source: database.kind === 'postgres' ? primaryOnly(source, database) : source };
}

