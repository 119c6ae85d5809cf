import { describe, expect, it } from 'vitest';
import { RingCentralApiError, describeError, errorCodeOf, isRefusal } from '../src/errors.ts';

describe('describeError', () => {
  it('gives the whole cause chain on one line with RingCentral status and errorCode', () => {
    const api = new RingCentralApiError('Request rate exceeded', { status: 429, errorCode: 'CMN-301', rateGroup: 'Heavy', method: 'GET', path: '/restapi/v1.0/account/~/call-log' });
    const error = new Error('call-log page 3 of window 2026-11-20..21', { cause: api });
    expect(describeError(error)).toBe('call-log page 3 of window 2026-11-20..21: HTTP 429 CMN-301: Request rate exceeded');
    expect(errorCodeOf(error)).toBe('CMN-301');
  });

  it('drops the statement and parameters drizzle puts into its message, keeping the Postgres error', () => {
    const pg = new Error('duplicate key value violates unique constraint "calls_pkey"');
    const drizzle = new Error(`Failed query: insert into calls ... params: ${'x'.repeat(100_000)}`, { cause: pg });
    expect(describeError(drizzle)).toBe('database statement failed: duplicate key value violates unique constraint "calls_pkey"');
  });
});

describe('isRefusal', () => {
  const error = (status: number | undefined) =>
    new RingCentralApiError(`HTTP ${status}`, { status, errorCode: undefined, rateGroup: 'Light', method: 'GET', path: '/restapi/v1.0/account/~/extension/1/message-store' });

  it("counts RingCentral's verdicts on a request (400, 403, 404) as refusals", () => {
    for (const status of [400, 403, 404, 410]) expect(isRefusal(error(status)), String(status)).toBe(true);
  });

  it('does not count a 401 that outlived re-authentication: that is the run failing to authenticate, not a refused mailbox', () => {
    expect(isRefusal(error(401))).toBe(false);
  });

  it('does not count waits that outlasted the retries, server errors, network errors or other errors', () => {
    for (const status of [408, 429, 500, 503, undefined]) expect(isRefusal(error(status)), String(status)).toBe(false);
    expect(isRefusal(new Error('boom'))).toBe(false);
  });
});
