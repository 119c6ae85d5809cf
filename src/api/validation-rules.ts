import { GraphQLError, Kind, Lexer, Source, TokenKind, type ASTVisitor, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * A validation rule refusing operations nested deeper than `maxDepth` fields (fragments followed). Depth
 * counts every field on the path, the leaf included: `{ calls { edges { node { id } } } }` is 4 deep.
 */
export function maxDepthRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    // Depth below a fragment does not depend on where it is spread, so each is measured once: a document
    // spreading fragments into each other many times costs linear, not exponential, time.
    const fragmentDepths = new Map<string, number>();
    const depthOf = (selectionSet: SelectionSetNode | undefined): number => {
      let deepest = 0;
      for (const selection of selectionSet?.selections ?? []) {
        if (selection.kind === Kind.FIELD) {
          // __Type.ofType only unwraps list and non-null wrappers (at most a few levels, fixed by the
          // schema), and GraphiQL's introspection query nests it nine deep, so it adds no depth.
          const own = selection.name.value === 'ofType' ? 0 : 1;
          deepest = Math.max(deepest, own + depthOf(selection.selectionSet));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet));
        } else {
          const name = selection.name.value;
          if (!fragmentDepths.has(name)) {
            fragmentDepths.set(name, 0); // a cycle (reported by NoFragmentCyclesRule) ends here
            fragmentDepths.set(name, depthOf(context.getFragment(name)?.selectionSet));
          }
          deepest = Math.max(deepest, fragmentDepths.get(name)!);
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`The query is ${depth} fields deep; this server allows at most ${maxDepth}. Nest fewer fields.`, {
              nodes: [operation],
              extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth, http: { status: 400 } },
            }),
          );
        }
        return false;
      },
    };
  };
}

/**
 * A validation rule refusing mutations and subscriptions with a clear message: the API has only queries,
 * and graphql-js 16 would otherwise answer them at execution time (HTTP 200, "Schema is not configured").
 */
export const queriesOnlyRule: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    if (operation.operation !== 'query') {
      context.reportError(
        new GraphQLError(`This API has no ${operation.operation}s: it only answers queries.`, {
          nodes: [operation],
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
        }),
      );
    }
    return false;
  },
});

/**
 * Refuses a document whose braces, brackets or parentheses nest deeper than `maxNesting`, before it is
 * parsed: graphql-js parses and validates recursively, and a few thousand levels (which fit in the body
 * limit) overflow the stack, a 500 instead of a 400. The lexer reads strings and comments correctly and
 * does not recurse. Real queries nest about 20 deep (GraphiQL's introspection, with its ofType chain).
 */
export function assertNesting(source: string, maxNesting: number): void {
  const lexer = new Lexer(new Source(source));
  let depth = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) depth++;
    else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) depth--;
    if (depth > maxNesting) {
      throw new GraphQLError(`The query nests more than ${maxNesting} levels of braces; this server refuses it before parsing.`, {
        extensions: { code: 'QUERY_TOO_DEEP', http: { status: 400 } },
      });
    }
  }
}
