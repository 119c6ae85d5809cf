import {
  getArgumentValues, getDirectiveValues, getNamedType, getNullableType, getOperationAST, getVariableValues, GraphQLIncludeDirective,
  GraphQLSkipDirective, isEnumType, isInputObjectType, isInterfaceType, isListType, isObjectType, Kind, SchemaMetaFieldDef, TypeMetaFieldDef,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLInterfaceType, type GraphQLObjectType,
  type GraphQLSchema, type SelectionSetNode,
} from 'graphql';

/**
 * How many items a list field is assumed to hold, by schema coordinate. A connection's edges hold its page
 * (`first`, or the schema's default: calls 50, callChanges 100, voicemails 50); other lists hold this many.
 */
export const LIST_ESTIMATES: Readonly<Record<string, number>> = {
  'Call.legs': 10, // a leg per ring, transfer or forward: a few, rarely more than ten
  'Voicemail.to': 3,
  'Query.extensions': 100, // users, queues, IVR menus of a mid-sized account
  'Query.dispositionSummary': 1000, // days x extensions x directions x dispositions of a month
  'SyncStatus.streams': 10,
};
const OTHER_LISTS = 10;

/**
 * A root field answered by a statement of its own (every one but call and voicemail, whose lookups are
 * batched into one) costs this many rows besides its own: a thousand aliases of `calls(first: 1)` return
 * few rows but run a thousand statements.
 */
export const STATEMENT_COST = 20;
const BATCHED_ROOT_FIELDS = new Set(['call', 'voicemail']);

export interface CostOptions {
  /** The largest `first` a connection accepts: a larger one is estimated at this (the resolver refuses it). */
  maxPageSize: number;
  /** Counting stops once the estimate is certain to exceed this. */
  maxCost: number;
}

interface Walk extends CostOptions {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  visits: number;
  ids: Map<SelectionSetNode, number>;
  memo: Map<string, number>;
}

const overBudget = Symbol('over budget');

/**
 * The number of values an operation could return: every field, leaf or object, counts one per row of its
 * parent (per item for a list), and a list multiplies what is below it by its estimated length, so
 * `calls(first: 500) { edges { node { id legs { id } } } }` is 1 + 500 x (1 + 1 + 1 + 10 x 2). Aliases
 * count separately, as they run and answer separately; one response key selected twice counts once. Returns undefined when the variables do not fit the
 * operation (execution reports that), and Infinity when counting stopped past maxCost.
 */
export function estimateCost(
  args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null | undefined; variableValues?: unknown },
  options: CostOptions,
): number | undefined {
  const operation = getOperationAST(args.document, args.operationName);
  const root = args.schema.getQueryType();
  if (!operation || !root) return undefined;
  const inputs = (args.variableValues ?? {}) as Record<string, unknown>;
  const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], inputs);
  if (variables.errors) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of args.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const walk: Walk = { ...options, schema: args.schema, fragments, variables: variables.coerced, visits: 0, ids: new Map(), memo: new Map() };
  try {
    return rowsBelow(walk, [operation.selectionSet], root, undefined);
  } catch (error) {
    if (error === overBudget) return Number.POSITIVE_INFINITY;
    throw error;
  }
}

type Composite = GraphQLObjectType | GraphQLInterfaceType;

function rowsBelow(walk: Walk, selectionSets: SelectionSetNode[], type: Composite, page: number | undefined): number {
  // Selection sets reached again (a fragment's, under many aliases) cost what they cost the first time:
  // remembering them keeps the walk linear in the document instead of in the rows it describes.
  const key = `${selectionSets.map((set) => idOf(walk, set)).join(',')}|${type.name}|${page ?? ''}`;
  const known = walk.memo.get(key);
  if (known !== undefined) return known;
  const rows = countRows(walk, selectionSets, type, page);
  walk.memo.set(key, rows);
  return rows;
}

function idOf(walk: Walk, set: SelectionSetNode): number {
  if (!walk.ids.has(set)) walk.ids.set(set, walk.ids.size);
  return walk.ids.get(set)!;
}

function countRows(walk: Walk, selectionSets: SelectionSetNode[], type: Composite, page: number | undefined): number {
  let rows = 0;
  for (const fields of collectFields(walk, selectionSets).values()) {
    const field = fieldDefinition(walk.schema, type, fields[0]!.name.value);
    // __typename (and a field validation refused) is a value like any leaf.
    const items = field && isListType(getNullableType(field.type)) ? listLength(walk.schema, type, field, page) : 1;
    if (items === 0) continue;
    // Each field reached costs at least one, so once more were reached than the budget allows, the
    // estimate is over it: stop, however the document multiplies fragments and aliases.
    if (++walk.visits > walk.maxCost) throw overBudget;
    const named = field && getNamedType(field.type);
    if (!field || !(isObjectType(named) || isInterfaceType(named))) {
      // A leaf is a value in the answer, once per row of its parent (per item for a list of them):
      // aliases of a text field multiply the answer as surely as aliases of a list do.
      rows += items;
      continue;
    }
    const childPage = field.args.some((a) => a.name === 'first') ? pageSize(walk, field, fields[0]!) : undefined;
    const below = fields.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
    // __Type.ofType unwraps a list or non-null wrapper of the same type: no new row (as for depth).
    const own = type.name === '__Type' && field.name === 'ofType' ? 0 : 1;
    const statement = type === walk.schema.getQueryType() && !field.name.startsWith('__') && !BATCHED_ROOT_FIELDS.has(field.name) ? STATEMENT_COST : 0;
    rows += statement + items * (own + rowsBelow(walk, below, named, childPage));
  }
  return rows;
}

/** Fields by response key, fragments followed once each and @skip/@include applied, like execution does. */
function collectFields(walk: Walk, selectionSets: SelectionSetNode[], into = new Map<string, FieldNode[]>(), seen = new Set<string>()) {
  for (const selection of selectionSets.flatMap((s) => s.selections)) {
    if (!included(walk, selection)) continue;
    // The schema has no interfaces or unions, so every valid fragment applies: type conditions are not checked.
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      into.set(key, [...(into.get(key) ?? []), selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectFields(walk, [selection.selectionSet], into, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = walk.fragments.get(selection.name.value);
      if (fragment) collectFields(walk, [fragment.selectionSet], into, seen);
    }
  }
  return into;
}

function included(walk: Walk, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, walk.variables)?.['if'] === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, walk.variables)?.['if'] !== false;
}

function fieldDefinition(schema: GraphQLSchema, type: Composite, name: string): GraphQLField<unknown, unknown> | undefined {
  if (type === schema.getQueryType() && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (type === schema.getQueryType() && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return type.getFields()[name];
}

/** The page a connection field asks for: its `first` (variables and the schema default applied), capped. */
function pageSize(walk: Walk, field: GraphQLField<unknown, unknown>, node: FieldNode): number {
  const first = getArgumentValues(field, node, walk.variables)['first'];
  const fallback = field.args.find((a) => a.name === 'first')?.defaultValue;
  const asked = typeof first === 'number' ? first : typeof fallback === 'number' ? fallback : walk.maxPageSize;
  return Math.min(Math.max(asked, 0), walk.maxPageSize);
}

function listLength(schema: GraphQLSchema, parent: Composite, field: GraphQLField<unknown, unknown>, page: number | undefined): number {
  if (page !== undefined && parent.name.endsWith('Connection')) return page;
  if (parent.name.startsWith('__')) return introspectionLengths(schema)[field.name] ?? OTHER_LISTS;
  return LIST_ESTIMATES[`${parent.name}.${field.name}`] ?? OTHER_LISTS;
}

const introspectionCache = new WeakMap<GraphQLSchema, Record<string, number>>();

/**
 * Introspection lists are as long as the schema's longest of their kind, so introspection is estimated like
 * any query: GraphiQL's introspection query is about 11,000. (The shapes that multiply the schema by itself,
 * `fields { type { fields { ... } } }`, graphql-js's MaxIntrospectionDepthRule refuses during validation.)
 */
function introspectionLengths(schema: GraphQLSchema): Record<string, number> {
  const cached = introspectionCache.get(schema);
  if (cached) return cached;
  const types = Object.values(schema.getTypeMap());
  const composites = types.filter((t) => isObjectType(t) || isInterfaceType(t));
  const fields = composites.flatMap((t) => Object.values(t.getFields()));
  const most = (counts: number[]) => Math.max(0, ...counts);
  const lengths = {
    types: types.length,
    directives: schema.getDirectives().length,
    fields: most(composites.map((t) => Object.keys(t.getFields()).length)),
    args: most([...fields, ...schema.getDirectives()].map((f) => f.args.length)),
    inputFields: most(types.map((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0))),
    enumValues: most(types.map((t) => (isEnumType(t) ? t.getValues().length : 0))),
    interfaces: most(composites.map((t) => t.getInterfaces().length)),
    possibleTypes: most(types.map((t) => (isInterfaceType(t) ? schema.getImplementations(t).objects.length : 0))),
  };
  introspectionCache.set(schema, lengths);
  return lengths;
}
