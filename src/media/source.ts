import type { Readable } from 'node:stream';
import { RingCentralApiError, type RateGroup } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { RequestMeter, type RingCentralClient } from '../ringcentral/client.ts';
import type { RequestBudget } from '../ringcentral/request-budget.ts';
import type { MediaItem, MediaKind } from '../store/media-reads.ts';
import { MediaRefusal } from './refusal.ts';
import { isRingCentralUri } from '../ringcentral/content-hosts.ts';

/** Audio being sent: what the proxy passes on, the bytes as a stream (never a whole file in memory). */
export interface MediaStream {
  status: 200 | 206;
  contentType: string | undefined;
  contentLength: number | undefined;
  contentRange: string | undefined;
  body: Readable;
}

/** Where audio comes from: RingCentral (this file) or the archive (archive.ts). Throws MediaRefusal. */
export interface MediaSource {
  open(item: MediaItem, range: string | undefined, signal: AbortSignal): Promise<MediaStream>;
}

/**
 * How long a request may wait for RingCentral (its rate budget, retries after a 429 or 5xx) before
 * answering 503 with Retry-After: a person with a player open should not stare at a spinner for a minute.
 */
export const MEDIA_WAIT_MS = 15_000;

/**
 * The groups content downloads are charged to until RingCentral's X-Rate-Limit-Group says otherwise
 * (api-notes §4.1: message attachments Medium; §5: recording content Heavy per spec, "media may use
 * different plans").
 */
const SPEC_GROUPS: Record<MediaKind, RateGroup> = { voicemails: 'Medium', recordings: 'Heavy' };

export interface RingCentralMediaOptions {
  client: RingCentralClient;
  /** The client's budget: a wait longer than `waitMs` is answered 503 at once. */
  budget: RequestBudget;
  /** RC_SERVER_URL: content URIs on its origin are fetched too (the simulator is its own media host). */
  serverUrl: string;
  logger: Logger;
  waitMs?: number;
}

/**
 * Audio streamed from RingCentral with callsync's own session: the access token goes to RingCentral's
 * hosts only (a content URI elsewhere is refused), and nothing RingCentral sends back but the audio and its
 * type, length and range reaches the caller.
 */
export function ringCentralMedia(options: RingCentralMediaOptions): MediaSource {
  const { client, budget, logger } = options;
  const waitMs = options.waitMs ?? MEDIA_WAIT_MS;
  const groups = { ...SPEC_GROUPS };
  return {
    async open(item, range, signal) {
      const uri = item.contentUri;
      if (!uri) throw new MediaRefusal(404, 'NO_AUDIO', `RingCentral named no audio for ${noun(item)}`);
      if (!isRingCentralUri(uri, options.serverUrl)) {
        throw new MediaRefusal(404, 'NO_AUDIO', `the content URI stored for ${noun(item)} is not on RingCentral's hosts, so callsync will not send its session there`);
      }
      const group = groups[item.kind];
      const waitSec = Math.ceil(budget.delayFor(group) / 1000);
      if (waitSec * 1000 > waitMs) throw busy(group, waitSec);
      const waited = AbortSignal.timeout(waitMs);
      try {
        const download = await client.download(uri, range, group, new RequestMeter(), AbortSignal.any([signal, waited]));
        if (download.rateGroup && download.rateGroup !== group) {
          logger.info({ kind: item.kind, specGroup: group, group: download.rateGroup }, 'RingCentral counts this media in another rate group; following it');
          groups[item.kind] = download.rateGroup;
        }
        return {
          status: download.status === 206 ? 206 : 200,
          contentType: download.contentType,
          contentLength: download.contentLength,
          contentRange: download.contentRange,
          body: download.body,
        };
      } catch (error) {
        if (signal.aborted) throw error;
        throw refusalOf(error, item, group, waited.aborted, Math.ceil(budget.delayFor(group) / 1000));
      }
    },
  };
}

/** RingCentral's answer (or silence) as what /media says. */
function refusalOf(error: unknown, item: MediaItem, group: RateGroup, timedOut: boolean, waitSec: number): MediaRefusal {
  const status = error instanceof RingCentralApiError ? error.status : undefined;
  const code = error instanceof RingCentralApiError ? error.errorCode : undefined;
  const said = code ? ` (${status} ${code})` : status ? ` (HTTP ${status})` : '';
  const options = { cause: error };
  if (status === 404) return new MediaRefusal(410, 'GONE', `RingCentral no longer has the audio of ${noun(item)}${said}: it deletes recordings after 90 days, and voicemails when they are purged`, undefined, options);
  if (status === 416) return new MediaRefusal(416, 'RANGE_NOT_SATISFIABLE', `the requested range lies beyond the end of the audio of ${noun(item)}${said}`, undefined, options);
  if (status === 403) return new MediaRefusal(404, 'NOT_READABLE', `RingCentral does not let callsync read the audio of ${noun(item)}${said}: its JWT user needs the ReadMessages or ReadCallRecording permission for it`, undefined, options);
  if (timedOut || status === 429 || status === 503) return busy(group, waitSec, options);
  if (status === undefined || status >= 500) return new MediaRefusal(503, 'RINGCENTRAL_UNAVAILABLE', `RingCentral could not be reached for the audio of ${noun(item)}${said}; try again shortly`, 30, options);
  return new MediaRefusal(502, 'RINGCENTRAL_ERROR', `RingCentral refused the audio of ${noun(item)}${said}`, undefined, options);
}

function busy(group: RateGroup, waitSec: number, options?: { cause?: unknown }): MediaRefusal {
  return new MediaRefusal(503, 'RATE_LIMITED', `RingCentral's ${group} rate budget, which content downloads share with the sync, is spent for now; try again in ${Math.max(1, waitSec)} s`, Math.max(1, waitSec), options);
}

function noun(item: MediaItem): string {
  return `${item.kind === 'voicemails' ? 'voicemail' : 'recording'} ${item.id}`;
}
