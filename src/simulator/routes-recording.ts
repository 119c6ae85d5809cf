// GET /restapi/v1.0/account/{accountId}/recording/{recordingId}/content (api-notes §5): a recorded call's
// audio, Heavy per spec, with Range. RingCentral serves it from its media host; the simulator is its own.
// Content exists once the call log shows the recording, and is gone (404 CMN-102) 90 days after the call
// or once purged by POST /__sim/purge-recordings. The bytes are an MP3 stand-in generated as they are
// sent, so a test can ask for a large recording without the simulator holding it.

import type { ServerResponse } from 'node:http';
import type { SimContext } from './context.ts';
import { byteRange, rangeHeaders, rangeNotSatisfiable } from './byte-range.ts';
import { apiError, type ApiRequest, type ApiResponse } from './http.ts';
import { keyFromRecordingId } from './ids.ts';

/** RingCentral keeps recordings 90 days (api-notes §5). */
const RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
const FRAME_BYTES = 417;
const CHUNK_BYTES = 64 * 1024;

/** GET …/recording/{recordingId}/content. */
export function getRecordingContent(ctx: SimContext, req: ApiRequest): ApiResponse {
  const id = req.params[1] ?? '';
  if (!recordingExists(ctx, id, req.now)) {
    return apiError(404, 'CMN-102', 'Resource for parameter [recordingId] is not found', { parameterName: 'recordingId', parameterValue: id });
  }
  const size = ctx.recordings.bytes;
  const range = byteRange(req.headers.range, size);
  if ('unsatisfiable' in range) return rangeNotSatisfiable(size);
  const { status, headers } = rangeHeaders(range, size);
  const [start, end] = 'whole' in range ? [0, size - 1] : [range.start, range.end];
  return {
    status,
    headers: { ...headers, 'Content-Type': 'audio/mpeg', 'Content-Disposition': `inline; filename="recording-${id}.mp3"` },
    stream: (res) => writeRecording(res, id, start, end),
  };
}

function recordingExists(ctx: SimContext, id: string, now: number): boolean {
  const key = keyFromRecordingId(ctx.world.ctx.seed, id);
  if (key === undefined || key >= ctx.world.size || ctx.recordings.purged.has(id)) return false;
  const flags = ctx.world.flags(key, now);
  if (flags < 0 || ctx.world.recordingTypeAt(key, (flags & 1) as 0 | 1) === 0) return false;
  return (ctx.world.start[key] as number) + RETENTION_MS > now;
}

/** Byte `i` of recording `id`: MP3 frame headers at every frame start, a filler that differs per recording. */
function byteAt(seed: number, i: number): number {
  const inFrame = i % FRAME_BYTES;
  if (inFrame < 4) return [0xff, 0xfb, 0x90, 0x64][inFrame]!;
  return (Math.imul(i ^ seed, 0x9e3779b1) >>> 24) & 0xff;
}

/** Writes bytes start..end (inclusive) in chunks, waiting for the socket to drain between them. */
async function writeRecording(res: ServerResponse, id: string, start: number, end: number): Promise<void> {
  const seed = Number(id) % 2 ** 31;
  for (let at = start; at <= end && !res.destroyed; at += CHUNK_BYTES) {
    const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, end - at + 1));
    for (let j = 0; j < chunk.length; j++) chunk[j] = byteAt(seed, at + j);
    if (!res.write(chunk)) await new Promise<void>((resolve) => {
      res.once('drain', resolve);
      res.once('close', resolve);
    });
  }
  res.end();
}
