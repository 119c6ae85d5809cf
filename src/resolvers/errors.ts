import { GraphQLError } from 'graphql';

/**
 * A bad argument from the client (unknown cursor, `first` out of range, unparseable phone number): a
 * GraphQL error with code BAD_USER_INPUT that the server answers with HTTP 400, never a 500.
 */
export function badInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}), http: { status: 400 } } });
}

/**
 * A valid request this server cannot answer yet, but will (a standby that has not replayed up to the
 * cursor): HTTP 503 with Retry-After, so a client or load balancer retries rather than gives up.
 */
export function retryLater(message: string, code: string, retryAfterSeconds: number, argument?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, retryAfterSeconds, ...(argument ? { argument } : {}), http: { status: 503, headers: { 'retry-after': String(retryAfterSeconds) } } },
  });
}
