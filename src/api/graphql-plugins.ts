import { getOperationAST, getVariableValues, GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import { maskError, type MaskError, type Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { estimateCost, type CostOptions } from './query-cost.ts';
import { expandedSelections, selectionsError } from './selection-size.ts';
import { assertNesting, maxDepthRule, queriesOnlyRule } from './validation-rules.ts';

/** A GraphQL-style error body for answers written outside GraphQL execution (401, 413, 415). */
export const errorBody = (message: string, code: string) => JSON.stringify({ errors: [{ message, extensions: { code } }] });

/**
 * The size of the document with its fragments expanded is checked before validation (no walker, graphql-js's
 * validation, graphql-jit's compiler or the resolvers' lookahead, ever sees a document that expands beyond
 * `maxSelections` fields); depth and queries-only with the other validation rules; the cost when the
 * operation is about to run, because `first: $n` is only known with the variables. Over a limit, nothing
 * executes.
 */
export function useQueryLimits(options: CostOptions & { maxDepth: number; maxSelections: number; logger: Logger }): Plugin {
  const rules = [maxDepthRule(options.maxDepth), queriesOnlyRule];
  return {
    onParse({ params }) {
      // Generous: fields and input values both nest, and introspection's ofType chain is not depth.
      assertNesting(typeof params.source === 'string' ? params.source : params.source.body, 4 * options.maxDepth + 20);
    },
    onValidate({ params, addValidationRule, setResult }) {
      if (expandedSelections(params.documentAST, options.maxSelections) > options.maxSelections) {
        options.logger.info({ maxSelections: options.maxSelections }, 'GraphQL query refused: too many fields once fragments are expanded');
        setResult([selectionsError(options.maxSelections)]);
        return;
      }
      for (const rule of rules) addValidationRule(rule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const cost = estimateCost(args, options);
      if (cost === undefined || cost <= options.maxCost) return;
      const estimate = Number.isFinite(cost) ? `about ${cost.toLocaleString('en-US')}` : `more than ${options.maxCost.toLocaleString('en-US')}`;
      options.logger.info({ cost, maxCost: options.maxCost, operation: args.operationName ?? undefined }, 'GraphQL query refused: too costly');
      setResultAndStopExecution({
        errors: [
          new GraphQLError(
            `The query could return ${estimate} values (its estimated cost); this server allows at most ${options.maxCost.toLocaleString('en-US')}. ` +
              'Ask for smaller pages (first), fewer nested lists or fewer aliases.',
            { extensions: { code: 'QUERY_TOO_COSTLY', cost: Number.isFinite(cost) ? cost : null, maxCost: options.maxCost, http: { status: 400 } } },
          ),
        ],
      });
    },
  };
}

/** How many operations a document defines. */
export const operationCount = (document: DocumentNode) => document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;

/**
 * Variables are checked by graphql-js before anything runs, so an error names the variable and the path
 * inside it (`$f` at "f.direction") and keeps the scalar's own reason ("2026-11 has no day 31").
 */
export const useVariableErrors: Plugin = {
  onExecute({ args, setResultAndStopExecution }) {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation?.variableDefinitions?.length) return;
    const { errors } = getVariableValues(args.schema, operation.variableDefinitions, (args.variableValues ?? {}) as Record<string, unknown>);
    if (!errors) return;
    setResultAndStopExecution({
      errors: errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } })),
    });
  },
};

/**
 * No text PostgreSQL stores may hold U+0000, so a string argument with one can match nothing and would
 * fail in the driver: it is refused up front, naming the problem.
 */
export const useNoNulInStrings: Plugin = {
  onExecute({ args, setResultAndStopExecution }) {
    if (!hasNul(args.document, args.variableValues)) return;
    setResultAndStopExecution({
      errors: [new GraphQLError('a string argument contains a NUL character (U+0000), which no stored value can hold', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } })],
    });
  },
};

/** Whether a document's string literals hold a NUL, per parsed document (yoga reuses it for the same text). */
const literalsWithNul = new WeakMap<DocumentNode, boolean>();

function hasNul(document: DocumentNode, variables: unknown): boolean {
  let found = literalsWithNul.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      [Kind.STRING]: (node) => {
        if (node.value.includes('\u0000')) found = true;
      },
    });
    literalsWithNul.set(document, found);
  }
  const inValue = (value: unknown, depth: number): boolean =>
    typeof value === 'string' ? value.includes('\u0000')
      : depth < 20 && value !== null && typeof value === 'object' && Object.values(value).some((v) => inValue(v, depth + 1));
  return found || inValue(variables, 0);
}

/**
 * A result without `data` is a request error (unparseable body or query, invalid query or variables, a
 * limit): it answers 400 whatever the Accept header. Yoga follows GraphQL-over-HTTP, which allows 200 for
 * the legacy `application/json`; integrations check the status first, and a request that can never work
 * must not look like a success. Unexpected (masked) errors keep their 500.
 */
export const useRequestErrorStatus: Plugin = {
  onResultProcess({ result, setResult }) {
    if (Array.isArray(result) || !('errors' in result) || 'data' in result || !result.errors?.length) return;
    setResult({ ...result, errors: result.errors.map(asRequestError) });
  },
};

function asRequestError(error: GraphQLError): GraphQLError {
  // graphql-jit's variable errors are GraphQLErrors built without an extensions object.
  const http = error.extensions?.['http'] as { status?: number; spec?: boolean } | undefined;
  if (error.extensions?.['unexpected'] || (http?.status && !http.spec)) return error;
  const { nodes, source, positions, path, originalError } = error;
  // graphql-js's own budget for comparing fields that share a response key ran out; its message names nothing.
  const aborted = error.message === 'Validation aborted.';
  return new GraphQLError(aborted ? 'The query repeats the same fields too many times to be checked: select each field once, and use fewer aliases.' : error.message, {
    nodes, source, positions, path, originalError,
    extensions: { ...error.extensions, ...(aborted ? { code: 'QUERY_TOO_COMPLEX' } : {}), http: { ...http, status: http?.status ?? 400, spec: false } },
  });
}

/**
 * A GET whose `variables` or `extensions` parameter is not JSON is the client's mistake (400, saying
 * which); yoga's parser lets JSON.parse's SyntaxError escape as an unexpected error.
 */
export const useQueryStringErrors: Plugin = {
  onRequestParse({ request, requestParser, setRequestParser, url }) {
    if (!requestParser || request.method !== 'GET') return;
    for (const name of ['variables', 'extensions']) {
      const value = url.searchParams.get(name);
      if (!value) continue;
      try {
        JSON.parse(value);
      } catch {
        setRequestParser(() => {
          throw new GraphQLError(`the "${name}" query parameter is not JSON: send it URL-encoded, e.g. ${name}=%7B%7D for {}`, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        });
        return;
      }
    }
  },
};

/** A POST body in a format the API does not read gets 415 with a message saying what to send (yoga's is empty). */
export const useUnsupportedMediaTypeMessage: Plugin = {
  onRequestParse({ request, requestParser, endResponse, fetchAPI }) {
    if (requestParser || request.method !== 'POST') return;
    const message = `unsupported Content-Type "${request.headers.get('content-type') ?? ''}": send the query as JSON with "Content-Type: application/json"`;
    endResponse(new fetchAPI.Response(errorBody(message, 'UNSUPPORTED_MEDIA_TYPE'), { status: 415, headers: { 'content-type': 'application/json' } }));
  },
};

/**
 * Errors a client can act on pass unchanged (they are GraphQLErrors the API threw: BAD_USER_INPUT and the
 * like). A cancelled statement becomes QUERY_TIMEOUT, HTTP 503: the request was valid, the server could not
 * answer it in time; one a replica cancelled to go on replaying (40001) is QUERY_CONFLICT, 503. Anything
 * else is logged with its cause and answered "Unexpected error." with code INTERNAL_SERVER_ERROR: no message
 * of a driver, no SQL, no stack trace reaches the client.
 */
export function maskErrors(logger: Logger, statementTimeoutMs: number): MaskError {
  return (error, message) => {
    // Duck-typed: a GraphQLError from another copy of graphql-js is still one.
    const located = (error ?? {}) as Partial<GraphQLError>;
    if (findCode(error, '57014')) {
      logger.warn({ path: located.path, err: located.originalError ?? error }, 'GraphQL query cancelled by the statement timeout');
      return new GraphQLError(
        `The query ran longer than ${statementTimeoutMs} ms and was cancelled. Ask for less: a smaller first or a narrower filter.`,
        { nodes: located.nodes, path: located.path, extensions: { code: 'QUERY_TIMEOUT', http: { status: 503 } } },
      );
    }
    // 40001 on a read: a hot standby cancelled it to go on replaying the primary's WAL (or, with SERIALIZABLE
    // as the database's default isolation, a serialization conflict). Either passes by retrying.
    if (findCode(error, '40001')) {
      logger.warn({ path: located.path, err: located.originalError ?? error }, 'GraphQL query cancelled by a conflict (on a replica: recovery; raise its max_standby_streaming_delay above the API statement timeout, or set hot_standby_feedback)');
      return new GraphQLError('The database cancelled the query to resolve a conflict (on a replica: to apply the primary\'s changes). Try again.', {
        nodes: located.nodes, path: located.path, extensions: { code: 'QUERY_CONFLICT', http: { status: 503, headers: { 'retry-after': '1' } } },
      });
    }
    const masked = maskError(error, message, false);
    if (masked !== error) logger.error({ path: located.path, err: located.originalError ?? error }, 'GraphQL request failed unexpectedly');
    return masked;
  };
}

/** Whether `error` or anything in its originalError/cause chain carries this Postgres SQLSTATE. */
function findCode(error: unknown, code: string): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 10; depth++) {
    if ((e as { code?: unknown }).code === code) return true;
    e = (e as { originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
