import { GraphQLError } from 'graphql';

/**
 * A bad argument from the client (unknown cursor, `first` out of range, unparseable phone number): a
 * GraphQL error with code BAD_USER_INPUT that the server answers with HTTP 400, never a 500.
 */
export function badInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}), http: { status: 400 } } });
}
