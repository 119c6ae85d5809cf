// External parties and the ways RingCentral writes their numbers. A fixed pool of customers (from
// the seed) means the same numbers call in and get called back, like a real business line.

import { Rng } from './prng.ts';

export interface Customer {
  /** E.164 */
  number: string;
  /** Caller-id name as RingCentral shows it for PSTN callers (often the city, upper case). */
  name: string;
  location: string;
}

const CITIES: ReadonlyArray<{ area: string; name: string; location: string }> = [
  { area: '415', name: 'SAN FRANCSCO CA', location: 'San Francisco (Juniper), CA' },
  { area: '650', name: 'SAN MATEO CA', location: 'San Mateo, CA' },
  { area: '408', name: 'SAN JOSE CA', location: 'San Jose, CA' },
  { area: '317', name: 'INDIANAPOLIS IN', location: 'Indianapolis, IN' },
  { area: '212', name: 'NEW YORK NY', location: 'New York, NY' },
  { area: '312', name: 'CHICAGO IL', location: 'Chicago, IL' },
  { area: '206', name: 'SEATTLE WA', location: 'Seattle, WA' },
  { area: '512', name: 'AUSTIN TX', location: 'Austin, TX' },
];

/** The customers who call this company (and whom it calls). */
export function generateCustomers(seed: number, count: number): Customer[] {
  const rng = Rng.of(seed, 0xc5);
  const out: Customer[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const city = rng.pick(CITIES);
    const number = `+1${city.area}${rng.int(200, 999)}${rng.digits(4)}`;
    if (seen.has(number)) continue;
    seen.add(number);
    out.push({ number, name: city.name, location: city.location });
  }
  return out;
}

export type NumberStyle = 'e164' | 'masked' | 'formatted' | 'digits';

/** How one call shows an external number: mostly E.164, sometimes masked or DB-formatted (api-notes §3.3). */
export function pickNumberStyle(rng: Rng): NumberStyle {
  return rng.weighted({ e164: 90, masked: 4, formatted: 3, digits: 3 });
}

/** Writes an E.164 NANP number in the given style. */
export function styleNumber(e164: string, style: NumberStyle): string {
  switch (style) {
    case 'e164':
      return e164;
    case 'masked':
      return `${e164.slice(0, -4)}XXXX`;
    case 'formatted': {
      const d = e164.slice(2);
      return `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`;
    }
    case 'digits':
      return e164.slice(1);
  }
}

/** Digits only, as the call-log `phoneNumber` filter expects ("E.164 without +"). */
export function numberDigits(value: string | undefined): string {
  return value ? value.replace(/\D/g, '') : '';
}
