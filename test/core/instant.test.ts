import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Instant, instantText, isAfter, parseInstant } from '../../src/core/instant.ts';

const exact = (text: string) => {
  const parsed = parseInstant(text);
  if ('error' in parsed) throw new Error(`${text}: ${parsed.error}`);
  return parsed.exact;
};
const error = (text: string) => {
  const parsed = parseInstant(text);
  return 'error' in parsed ? parsed.error : undefined;
};

describe('parseInstant', () => {
  it.each([
    ['2026-11-01T08:00:00Z', '2026-11-01T08:00:00.000000Z'],
    ['2026-11-01T08:00Z', '2026-11-01T08:00:00.000000Z'],
    ['2026-11-01t08:00:00z', '2026-11-01T08:00:00.000000Z'],
    ['2026-11-01T09:30:00+01:30', '2026-11-01T08:00:00.000000Z'],
    ['2026-10-31T23:00:00-09:00', '2026-11-01T08:00:00.000000Z'],
    ['2026-12-01T09:16:22.5491Z', '2026-12-01T09:16:22.549100Z'],
    ['2026-12-01T09:16:22.549123Z', '2026-12-01T09:16:22.549123Z'],
    ['2026-12-01T09:16:22.5491235Z', '2026-12-01T09:16:22.549124Z'], // rounded to the microsecond, as PostgreSQL does
    ['2026-12-31T23:59:59.9999999Z', '2027-01-01T00:00:00.000000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000000Z'], // not 1950: Date.UTC's two-digit years do not apply
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z'],
  ])('%s is %s', (text, expected) => expect(exact(text)).toBe(expected));

  it.each([
    ['yesterday', /ISO-8601 with an offset/],
    ['2026-11-01', /ISO-8601 with an offset/],
    ['2026-11-01T08:00:00', /ISO-8601 with an offset/],
    ['2026-11-01 08:00:00Z', /ISO-8601 with an offset/],
    ['2026-13-01T00:00:00Z', /no month 13/],
    ['2026-00-01T00:00:00Z', /no month 00/],
    ['2026-11-31T00:00:00Z', /2026-11 has no day 31/],
    ['2026-02-29T00:00:00Z', /2026-02 has no day 29/],
    ['1900-02-29T00:00:00Z', /1900-02 has no day 29/],
    ['2026-11-01T24:00:00Z', /not a time of day/],
    ['2026-11-01T08:60:00Z', /not a time of day/],
    ['2026-11-01T08:00:60Z', /not a time of day/],
    ['2026-11-01T08:00:00+24:00', /not a UTC offset/],
    ['0000-06-01T00:00:00Z', /year must be between 0001 and 9999/],
    ['0001-01-01T00:00:00+00:01', /year must be between 0001 and 9999/],
    ['9999-12-31T23:00:00-05:00', /year must be between 0001 and 9999/],
  ])('%s is refused', (text, reason) => expect(error(text)).toMatch(reason));

  it('reads every instant toISOString writes as that instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
        const parsed = parseInstant(date.toISOString());
        expect(parsed).toBeInstanceOf(Instant);
        expect((parsed as Instant).getTime()).toBe(date.getTime());
        expect((parsed as Instant).microsPastMs).toBe(0);
      }),
    );
  });

  it('compares and writes instants to the microsecond', () => {
    const a = parseInstant('2026-12-01T09:16:22.5491Z') as Instant;
    const b = parseInstant('2026-12-01T09:16:22.549Z') as Instant;
    expect(isAfter(a, b)).toBe(true);
    expect(isAfter(b, a)).toBe(false);
    expect(isAfter(a, a)).toBe(false);
    expect(isAfter(a, new Date('2026-12-01T09:16:22.549Z'))).toBe(true);
    expect(instantText(new Date('2026-12-01T09:16:22.549Z'))).toBe('2026-12-01T09:16:22.549Z');
    expect(instantText(a)).toBe('2026-12-01T09:16:22.549100Z');
  });
});
