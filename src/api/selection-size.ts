import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The most fields a document may hold once every fragment spread is replaced by the fragment, every alias
 * counted (the document as a naive walker sees it). A real query expands to a few hundred (a full call is
 * ~150, GraphiQL's introspection ~250); a document without fragments at the 100 kB body limit can hold
 * about 50,000. What matters is that it is finite and known before anything walks the tree.
 */
export const MAX_SELECTIONS = 20_000;

/**
 * How many fields the document's operations hold with fragments expanded, without expanding them: each
 * fragment's size is computed once and reused wherever it is spread, so the time is linear in the document
 * even when the answer is exponential in it (fragments spreading the previous one twice double at every
 * level: 2^n fields from n fragments). graphql-jit's compiler and other tree walkers follow a spread each
 * time it appears, so this is the number their work is proportional to. @skip/@include are not applied
 * (an upper bound). A fragment cycle (refused by validation) or an answer above `limit` gives Infinity.
 */
export function expandedSelections(document: DocumentNode, limit = Number.MAX_SAFE_INTEGER): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // undefined while being measured: meeting it again is a cycle.
  const sizes = new Map<string, number | undefined>();
  const sizeOf = (set: SelectionSetNode | undefined): number => {
    let size = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) size += 1 + sizeOf(selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) size += sizeOf(selection.selectionSet);
      else size += fragmentSize(selection.name.value);
      // Past the limit the exact figure does not matter; stopping keeps the sums finite.
      if (size > limit) return Number.POSITIVE_INFINITY;
    }
    return size;
  };
  const fragmentSize = (name: string): number => {
    if (sizes.has(name)) return sizes.get(name) ?? Number.POSITIVE_INFINITY;
    sizes.set(name, undefined);
    const size = sizeOf(fragments.get(name)?.selectionSet);
    sizes.set(name, size);
    return size;
  };
  let total = 0;
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) total += sizeOf(d.selectionSet);
  return total > limit ? Number.POSITIVE_INFINITY : total;
}

/** The error for a document whose expanded selection is over `maxSelections` (HTTP 400, nothing runs). */
export function selectionsError(maxSelections: number): GraphQLError {
  return new GraphQLError(
    `The query selects more than ${maxSelections.toLocaleString('en-US')} fields once its fragments are expanded; this server allows at most that many. ` +
      'Spread each fragment fewer times and use fewer aliases.',
    { extensions: { code: 'QUERY_TOO_LARGE', maxSelections, http: { status: 400 } } },
  );
}

/**
 * The most fields (expanded) a document may have for graphql-jit to compile it. Compiling costs about
 * 0.1 ms of CPU per field (2,000 aliases: 180–270 ms, 8,000: 570–770 ms, where graphql-js answers in 40–120
 * ms) and pays off only for documents run many times; the API's real queries expand to 50–300 fields.
 * Larger documents run on graphql-js, so no request spends more than ~0.3 s compiling.
 */
export const JIT_MAX_SELECTIONS = 2_000;

const measured = new WeakMap<DocumentNode, number>();

/** expandedSelections for a parsed document, remembered per document (yoga reuses it for the same text). */
export function expandedSelectionsOf(document: DocumentNode): number {
  let size = measured.get(document);
  if (size === undefined) measured.set(document, (size = expandedSelections(document, MAX_SELECTIONS)));
  return size;
}
