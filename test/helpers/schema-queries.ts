import {
  buildClientSchema, getIntrospectionQuery, getNamedType, getNullableType, isLeafType, isNonNullType, isObjectType,
  type GraphQLField, type GraphQLObjectType, type GraphQLSchema, type IntrospectionQuery,
} from 'graphql';

/*
 * Queries built from the served schema's introspection, selecting every field of every object type below a
 * root field: a test driven by them covers a field added later without being edited, and a field it cannot
 * select by itself (one with required arguments below the root) fails it until it is taught.
 */

/** The schema as the server introspects it, through `post` (a client of the server). */
export async function introspect(post: (query: string) => Promise<{ data?: unknown; errors?: unknown }>): Promise<GraphQLSchema> {
  const answer = await post(getIntrospectionQuery());
  if (!answer.data) throw new Error(`introspection failed: ${JSON.stringify(answer.errors)}`);
  return buildClientSchema(answer.data as IntrospectionQuery);
}

/** How often one object type may appear on a path: twice reaches Call.voicemail.call and Call.callback.call.legs. */
const MAX_REPEATS = 2;

/**
 * The selection set of every field of `type`, nested (a type at most MAX_REPEATS times along a path), and
 * the schema coordinates it selects ("Call.legs") added to `covered`.
 */
export function everyField(type: GraphQLObjectType, covered: Set<string>, path: readonly string[] = [type.name]): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
    if (required.length) throw new Error(`${type.name}.${field.name} needs arguments (${required.map((a) => a.name).join(', ')}): teach the tenancy test to select it`);
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      parts.push(field.name);
      covered.add(`${type.name}.${field.name}`);
    } else if (isObjectType(named)) {
      if (path.filter((p) => p === named.name).length >= MAX_REPEATS) continue;
      parts.push(`${field.name} ${everyField(named, covered, [...path, named.name])}`);
      covered.add(`${type.name}.${field.name}`);
    } else throw new Error(`${type.name}.${field.name} is a ${named.constructor.name}: teach the tenancy test to select it`);
  }
  return `{ ${parts.join(' ')} }`;
}

/** Every field of every object type reachable from Query, as "Type.field": what the queries must cover. */
export function reachableFields(schema: GraphQLSchema): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (type: GraphQLObjectType) => {
    if (seen.has(type.name)) return;
    seen.add(type.name);
    for (const field of Object.values(type.getFields())) {
      out.add(`${type.name}.${field.name}`);
      const named = getNamedType(field.type);
      if (isObjectType(named)) visit(named);
    }
  };
  visit(schema.getQueryType()!);
  return out;
}

/** One root field called with these arguments: the query (variables for the arguments) and its variables. */
export function rootQuery(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, covered: Set<string>): string {
  const declared = Object.keys(args).map((name) => {
    const arg = field.args.find((a) => a.name === name);
    if (!arg) throw new Error(`Query.${field.name} has no argument ${name}`);
    return { name, type: String(arg.type) };
  });
  const named = getNamedType(field.type);
  const selection = isObjectType(named) ? ` ${everyField(named, covered)}` : '';
  covered.add(`Query.${field.name}`);
  const variables = declared.length ? `(${declared.map((d) => `$${d.name}: ${d.type}`).join(', ')})` : '';
  const call = declared.length ? `(${declared.map((d) => `${d.name}: $${d.name}`).join(', ')})` : '';
  return `query${variables} { ${field.name}${call}${selection} }`;
}

/** Whether the root field is a connection that pages with `after` (calls, voicemails, callChanges). */
export function pagesWithAfter(field: GraphQLField<unknown, unknown>): boolean {
  const type = getNullableType(field.type);
  return field.args.some((a) => a.name === 'after') && isObjectType(type) && 'pageInfo' in type.getFields();
}

/** Required arguments of a root field, by name. */
export const requiredArgs = (field: GraphQLField<unknown, unknown>) => field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined).map((a) => a.name);
