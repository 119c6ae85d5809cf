import type { SecretKeyring } from '../../secrets/box.ts';
import { linkSigner, signedPath } from '../../secrets/signed-links.ts';

/** Where the API serves the status page. */
export const STATUS_PAGE_PATH = '/status';

/** A status link's lifetime when none is asked for: a working day and a night, for a link shared in a ticket. */
export const DEFAULT_STATUS_LINK_HOURS = 24;

/**
 * The longest a status link may live: a week, as SigV4 presigned URLs. A link cannot be revoked (short of
 * rotating the secret key), so one that leaked must expire soon on its own.
 */
export const MAX_STATUS_LINK_HOURS = 24 * 7;

/** The address this machine reaches an API listening on `host`:`port` at (a wildcard address is not one). */
export function localBaseUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
}

/** The absolute URL that opens the status page without a key until `expiresAt`. */
export function statusPageUrl(keyring: SecretKeyring, baseUrl: string, expiresAt: Date): string {
  return `${baseUrl.replace(/\/+$/, '')}${signedPath(linkSigner(keyring), STATUS_PAGE_PATH, expiresAt)}`;
}
