import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

/** RingCentral masks the last digits of some numbers ("+3351234XXXX"); the mask is kept, uppercased. */
const MASKED = /^\+?(\d[\d\s().-]*?)[Xx]+$/;
const ALREADY_E164 = /^\+[1-9]\d{6,14}$/;

const cache = new Map<string, string | null>();
const CACHE_LIMIT = 50_000;

/**
 * E.164 form of a phone number as RingCentral writes it ("+16505819987", "(650) 581-9987",
 * "16505819987"), or null when it is not a phone number (an extension number, "anonymous", empty).
 * A masked number keeps its mask: "+1650581XXXX". Numbers without a country code are read as
 * `defaultCountry`, the account's home country.
 */
export function toE164(raw: string | null | undefined, defaultCountry: CountryCode = 'US'): string | null {
  if (!raw) return null;
  const text = raw.trim();
  if (ALREADY_E164.test(text)) return text;
  const key = `${defaultCountry}:${text}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = normalise(text, defaultCountry);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function normalise(text: string, defaultCountry: CountryCode): string | null {
  const masked = MASKED.exec(text);
  if (masked) {
    const digits = masked[1]!.replace(/\D/g, '');
    const maskLength = text.length - text.search(/[Xx]+$/);
    if (digits.length + maskLength < 7) return null;
    return `+${digits}${'X'.repeat(maskLength)}`;
  }
  const digits = text.replace(/\D/g, '');
  if (digits.length < 7) return null;
  if (text.startsWith('+') || text.startsWith('00')) {
    const parsed = parsePhoneNumberFromString(`+${digits.replace(/^00/, '')}`);
    return parsed?.isPossible() ? parsed.number : null;
  }
  // Without a "+", read it as a number of the account's country first ("(650) 581-9987",
  // "16505819987"), then as an international number missing its "+" ("442079460958").
  for (const parsed of [parsePhoneNumberFromString(text, defaultCountry), parsePhoneNumberFromString(`+${digits}`)]) {
    if (parsed?.isPossible()) return parsed.number;
  }
  return null;
}

/** True when the number carries RingCentral's mask. */
export const isMasked = (e164: string | null | undefined): boolean => !!e164 && /X$/.test(e164);
