// HTTP Range on media content (api-notes §5: "HTTP Range supported (416 CMN-107 if unsatisfiable)"). One
// range of bytes, as media players ask for; several ranges, or a header that does not parse, are ignored
// and the whole content is sent (RFC 9110 §14.2 allows that).

import { apiError, type ApiResponse } from './http.ts';

export type RangeAnswer = { whole: true } | { start: number; end: number } | { unsatisfiable: true };

/** The range `header` asks of `size` bytes: inclusive start and end, the whole, or none that exists. */
export function byteRange(header: string | string[] | undefined, size: number): RangeAnswer {
  const text = Array.isArray(header) ? header[0] : header;
  const m = text === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(text.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { whole: true };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? { unsatisfiable: true } : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { whole: true };
  return start >= size ? { unsatisfiable: true } : { start, end };
}

/** 416 as RingCentral answers it, with the size a client needs to ask again. */
export function rangeNotSatisfiable(size: number): ApiResponse {
  return apiError(416, 'CMN-107', 'Requested range is not satisfiable', undefined, { 'Content-Range': `bytes */${size}` });
}

/** The headers of a 200 or 206 answer of `size` bytes for `range`. */
export function rangeHeaders(range: { whole: true } | { start: number; end: number }, size: number): { status: 200 | 206; headers: Record<string, string> } {
  if ('whole' in range) return { status: 200, headers: { 'Accept-Ranges': 'bytes', 'Content-Length': String(size) } };
  return {
    status: 206,
    headers: { 'Accept-Ranges': 'bytes', 'Content-Length': String(range.end - range.start + 1), 'Content-Range': `bytes ${range.start}-${range.end}/${size}` },
  };
}
