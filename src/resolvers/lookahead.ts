import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Selection } from '../store/call-json.ts';

/**
 * What a query selects at `path` below the field being resolved, nested, by field name (aliases map to
 * the same property): fragments followed, @skip/@include ignored, which can only make a read fetch more
 * than needed. A page resolver reads exactly that in one statement.
 */
export function selectionAt(info: GraphQLResolveInfo, path: readonly string[]): Selection {
  let sets = info.fieldNodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
  for (const name of path) {
    sets = fieldsIn(sets, info).filter((f) => f.name.value === name && f.selectionSet).map((f) => f.selectionSet!);
  }
  return merged(sets, info);
}

/** The fields of these selection sets together (a field selected twice has both its sub-selections). */
function merged(sets: readonly SelectionSetNode[], info: GraphQLResolveInfo): Selection {
  const leaves = new Set<string>();
  const objects = new Map<string, SelectionSetNode[]>();
  for (const field of fieldsIn(sets, info)) {
    const name = field.name.value;
    if (!field.selectionSet) leaves.add(name);
    else objects.set(name, [...(objects.get(name) ?? []), field.selectionSet]);
  }
  const selection: Record<string, Selection | true> = {};
  for (const name of leaves) selection[name] = true;
  for (const [name, subSets] of objects) selection[name] = merged(subSets, info);
  return selection;
}

/**
 * The fields of these selection sets, each fragment followed once (as execution does): a fragment spread
 * many times, or spreading another twice at every level, adds its fields once instead of exponentially
 * many times. Each field node appears once, so a level costs at most the document's size.
 */
function fieldsIn(sets: readonly SelectionSetNode[], info: GraphQLResolveInfo): FieldNode[] {
  const fields: FieldNode[] = [];
  const followed = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) fields.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) collect(s.selectionSet);
      else if (!followed.has(s.name.value)) {
        followed.add(s.name.value);
        const fragment = info.fragments[s.name.value];
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  for (const set of sets) collect(set);
  return fields;
}
