import { signedPath, type LinkSigner } from '../secrets/signed-links.ts';
import type { MediaKind } from '../store/media-reads.ts';

/** The most a signed media link may open for: a week, as long as an S3 presigned URL may live. */
export const MAX_MEDIA_LINK_TTL_HOURS = 168;

const HOUR_MS = 3_600_000;

/**
 * The path /media serves account `accountId`'s `id` at: what a link signs, whatever prefix PUBLIC_BASE_URL
 * puts before it. It names the account: ids are unique only per account.
 */
export function mediaPath(kind: MediaKind, accountId: string, id: string): string {
  return `/media/${kind}/${encodeURIComponent(accountId)}/${encodeURIComponent(id)}`;
}

/**
 * Absolute signed links to /media, for GraphQL's audioUrl. The expiry is rounded up to the hour, so asking
 * again within the hour gives the same link (a CRM comparing what it stored sees no change), and a link opens
 * for at least `ttlHours` and less than an hour more.
 */
export function mediaLinks(signer: LinkSigner, baseUrl: () => string, ttlHours: number, now: () => Date = () => new Date()) {
  const ttlMs = Math.min(ttlHours, MAX_MEDIA_LINK_TTL_HOURS) * HOUR_MS;
  return {
    url(kind: MediaKind, accountId: string, id: string): string {
      const expiresAt = new Date(Math.ceil((now().getTime() + ttlMs) / HOUR_MS) * HOUR_MS);
      return `${baseUrl()}${signedPath(signer, mediaPath(kind, accountId, id), expiresAt)}`;
    },
  };
}
