import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields a query selects at `path` below the field being resolved (fragments followed;
 * @skip/@include ignored, which can only make a read fetch more than needed). A page resolver uses it to
 * read the parts it will be asked for in the same statement as the page.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let sets = info.fieldNodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
  for (const name of path) {
    sets = sets.flatMap((set) => fieldsIn(set, info).filter((f) => f.name.value === name && f.selectionSet).map((f) => f.selectionSet!));
  }
  return new Set(sets.flatMap((set) => fieldsIn(set, info).map((f) => f.name.value)));
}

function fieldsIn(set: SelectionSetNode, info: GraphQLResolveInfo): FieldNode[] {
  return set.selections.flatMap((s): FieldNode[] => {
    if (s.kind === Kind.FIELD) return [s];
    if (s.kind === Kind.INLINE_FRAGMENT) return fieldsIn(s.selectionSet, info);
    const fragment = info.fragments[s.name.value];
    return fragment ? fieldsIn(fragment.selectionSet, info) : [];
  });
}
