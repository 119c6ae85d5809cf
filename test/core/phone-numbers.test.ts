import { describe, expect, it } from 'vitest';
import { isMasked, toE164 } from '../../src/core/phone-numbers.ts';

describe('toE164', () => {
  it.each([
    ['+16505819987', '+16505819987'],
    ['(650) 581-9987', '+16505819987'],
    ['16505819987', '+16505819987'],
    ['6505819987', '+16505819987'],
    ['1-800-555-0199', '+18005550199'],
    ['+44 20 7946 0958', '+442079460958'],
    ['00442079460958', '+442079460958'],
    [' +16505819987 ', '+16505819987'],
  ])('normalises %j to %s', (raw, expected) => {
    expect(toE164(raw)).toBe(expected);
  });

  it.each([['+1650581XXXX', '+1650581XXXX'], ['+3351234XXXX', '+3351234XXXX'], ['1650581xxxx', '+1650581XXXX']])(
    'keeps the mask of %j',
    (raw, expected) => {
      expect(toE164(raw)).toBe(expected);
      expect(isMasked(toE164(raw))).toBe(true);
    },
  );

  it.each([[''], ['101'], ['anonymous'], [null], [undefined], ['12']])('gives null for %j, which is no phone number', (raw) => {
    expect(toE164(raw)).toBeNull();
  });

  it('reads numbers without a country code in the given country', () => {
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958');
  });
});
