// Query-parameter parsing with RingCentral's failure mode: any unparsable value is a 400 CMN-101
// naming the parameter. Empty values (the SDK sends `key=` for undefined) count as absent.

import { ParamError } from './http.ts';

// ISO 8601 date or date-time; RingCentral documents "date-time with TZ" but accepts plain dates too.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function raw(q: URLSearchParams, name: string): string | undefined {
  const value = q.get(name);
  return value === null || value === '' ? undefined : value;
}

/** ISO 8601 date or date-time → epoch ms. */
export function dateParam(q: URLSearchParams, name: string): number | undefined {
  const value = raw(q, name);
  if (value === undefined) return undefined;
  if (!ISO.test(value)) throw new ParamError(name, value);
  // A date-time without zone is read as UTC (the simulator has no account time zone).
  const normalised = value.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? `${value}Z` : value;
  const ms = Date.parse(normalised);
  if (Number.isNaN(ms)) throw new ParamError(name, value);
  return ms;
}

/** Integer >= min; values above `clampTo` are clamped (RingCentral clamps perPage > 1000). */
export function intParam(q: URLSearchParams, name: string, opts: { min: number; clampTo?: number; maxWord?: boolean }): number | undefined {
  const value = raw(q, name);
  if (value === undefined) return undefined;
  if (opts.maxWord && value.toLowerCase() === 'max' && opts.clampTo !== undefined) return opts.clampTo;
  if (!/^-?\d+$/.test(value)) throw new ParamError(name, value);
  const n = Number(value);
  if (n < opts.min) throw new ParamError(name, value);
  return opts.clampTo !== undefined ? Math.min(n, opts.clampTo) : n;
}

/** One of `values`, exactly (RingCentral enums are case-sensitive in queries). */
export function enumParam<T extends string>(q: URLSearchParams, name: string, values: readonly T[]): T | undefined {
  const value = raw(q, name);
  if (value === undefined) return undefined;
  const found = values.find((v) => v === value);
  if (!found) throw new ParamError(name, value);
  return found;
}

/** Array parameter sent as repeated keys (`type=Voice&type=Fax`); commas also split. */
export function enumListParam<T extends string>(q: URLSearchParams, name: string, values: readonly T[]): T[] | undefined {
  const all = q.getAll(name).flatMap((v) => v.split(',')).filter((v) => v !== '');
  if (all.length === 0) return undefined;
  return all.map((value) => {
    const found = values.find((v) => v === value);
    if (!found) throw new ParamError(name, value);
    return found;
  });
}

/** "true" / "false". */
export function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const value = raw(q, name);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ParamError(name, value);
}

/** Any non-empty string. */
export function stringParam(q: URLSearchParams, name: string): string | undefined {
  return raw(q, name);
}
