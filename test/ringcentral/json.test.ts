import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../src/ringcentral/json.ts';

describe('parseJson', () => {
  it('keeps int64 ids beyond 2^53 exact', () => {
    const text = '{"id":8031152018338945839,"n":402406985008,"x":1.5}';
    const value = parseJson(text) as { id: bigint; n: number; x: number };
    expect(value.id).toBe(8031152018338945839n);
    expect(value.n).toBe(402406985008);
    expect(value.x).toBe(1.5);
    expect(stringifyJson(value)).toBe(text);
  });

  it('uses the native parser for ordinary payloads', () => {
    expect(parseJson('{"records":[{"id":"abc","duration":12}]}')).toEqual({ records: [{ id: 'abc', duration: 12 }] });
  });

  it('does not mistake long digit strings inside strings for numbers', () => {
    expect(parseJson('{"id":"80311520183389458390"}')).toEqual({ id: '80311520183389458390' });
  });
});
