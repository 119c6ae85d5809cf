import type { IncomingMessage } from 'node:http';

/**
 * The request body, or 'too large' as soon as it is known to exceed `maxBytes`: at once from Content-Length,
 * or when the streamed (chunked) bytes pass the limit. Reading then stops, so no more than the limit is held.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too large'> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve('too large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Pause rather than destroy: the socket must stay open to carry the 413.
      req.off('data', onData).pause();
      resolve('too large');
    };
    req.on('data', onData).once('end', () => resolve(Buffer.concat(chunks))).once('error', reject);
  });
}
