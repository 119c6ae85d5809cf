import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { expandedSelections } from '../../src/api/selection-size.ts';

/** Fragments F1 = { id } and Fk = { ...F(k-1) ...F(k-1) }: Fk expands to 2^(k-1) fields. */
const chain = (n: number, spreads = 2) =>
  `{ calls { edges { node { ...F${n} } } } } fragment F1 on Call { id } ` +
  Array.from({ length: n - 1 }, (_, i) => `fragment F${i + 2} on Call { ${Array.from({ length: spreads }, () => `...F${i + 1}`).join(' ')} }`).join(' ');

const cpuMs = (run: () => void) => {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
};

describe('fields of a document with its fragments expanded', () => {
  it('counts every field and alias once per place it appears', () => {
    expect(expandedSelections(parse('{ a: __typename b: __typename calls { edges { node { id ... on Call { id } } } } }'))).toBe(2 + 5);
    expect(expandedSelections(parse('{ calls { edges { node { ...C ...C } } } } fragment C on Call { id legs { id } }'))).toBe(3 + 2 * 3);
    expect(expandedSelections(parse('{ a: __typename } query B { b: __typename c: __typename }'))).toBe(3);
  });

  it.each([2, 10, 30, 50])('measures a chain of %i fragments each spreading the previous twice exactly, in linear time', (n) => {
    expect(expandedSelections(parse(chain(n)))).toBe(3 + 2 ** (n - 1));
  });

  it('stops at the limit however wide the fan-out', () => {
    let size = 0;
    const used = cpuMs(() => (size = expandedSelections(parse(chain(400, 50)), 20_000)));
    expect(size).toBe(Number.POSITIVE_INFINITY);
    expect(used).toBeLessThan(2_000);
  });

  it('takes a fragment cycle (refused by validation) and an unknown fragment without looping', () => {
    expect(expandedSelections(parse('{ calls { edges { node { ...A } } } } fragment A on Call { callback { call { ...A } } }'))).toBe(Number.POSITIVE_INFINITY);
    expect(expandedSelections(parse('{ calls { edges { node { ...Nope } } } }'))).toBe(3);
  });
});
