/**
 * Why /media cannot answer with audio, as the HTTP status, a stable code and a sentence for a person: the
 * body a CRM or a browser shows. Never a 500: media that is unknown, unreadable or gone is a normal state.
 */
export class MediaRefusal extends Error {
  override name = 'MediaRefusal';
  constructor(
    readonly status: 401 | 403 | 404 | 405 | 409 | 410 | 416 | 502 | 503,
    readonly code: string,
    message: string,
    readonly retryAfterSec?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
