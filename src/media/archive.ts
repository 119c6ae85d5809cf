import type { RateGroup } from '../errors.ts';
import type { Download, RequestMeter } from '../ringcentral/client.ts';
import type { MediaItem, MediaKind } from '../store/media-reads.ts';
import type { MediaArchiveStore } from './archive-store.ts';
import { MediaRefusal } from './refusal.ts';
import type { ArchivedMedia } from './route.ts';
import type { MediaStream } from './source.ts';

/** What the media-archive stream needs: where copies go, and a budgeted download of a content URI. */
export interface MediaArchiveDeps {
  store: MediaArchiveStore;
  download(uri: string, group: RateGroup, meter: RequestMeter, signal: AbortSignal): Promise<Download>;
}

/** The archive's key of an item: `kind/account/id`. */
export const archiveKey = (kind: MediaKind, accountId: string, id: string) => `${kind}/${accountId}/${id}`;

/**
 * /media's view of the archive (MEDIA_ARCHIVE_DIR): the stored copy, whole or one Range of it, or undefined
 * when the archive holds none (the route then asks RingCentral). It reads only the store, never the
 * database, so `serve` needs no grant for it.
 */
export function archivedMedia(store: MediaArchiveStore): ArchivedMedia {
  return {
    async open(item: MediaItem, range: string | undefined): Promise<MediaStream | undefined> {
      const key = archiveKey(item.kind, item.accountId, item.id);
      const object = await store.stat(key);
      if (!object) return undefined;
      const span = range ? byteSpan(range, object.bytes) : undefined;
      if (span === 'unsatisfiable') {
        throw new MediaRefusal(416, 'RANGE_NOT_SATISFIABLE', `the requested range lies beyond the end of the audio of ${item.kind === 'voicemails' ? 'voicemail' : 'recording'} ${item.id} (${object.bytes} bytes)`);
      }
      const body = await store.get(key, span);
      if (!body) return undefined;
      return span
        ? { status: 206, contentType: object.contentType, contentLength: span.end - span.start + 1, contentRange: `bytes ${span.start}-${span.end}/${object.bytes}`, body }
        : { status: 200, contentType: object.contentType, contentLength: object.bytes, contentRange: undefined, body };
    },
  };
}

/** The inclusive span a single `bytes=` range (route.ts singleRange) names in `size` bytes (RFC 9110 §14.1.2). */
export function byteSpan(range: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (start >= size) return 'unsatisfiable';
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return end < start ? undefined : { start, end };
}
