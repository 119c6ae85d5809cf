/** Named errors with context and `cause` chains; Postgres error-code guards live here too. */

export type RateGroup = 'Heavy' | 'Medium' | 'Light' | 'Auth';

/** A RingCentral API call failed; carries RingCentral's errorCode so logs and sync_runs can show it. */
export class RingCentralApiError extends Error {
  override name = 'RingCentralApiError';
  constructor(
    message: string,
    readonly details: {
      status: number | undefined;
      errorCode: string | undefined;
      rateGroup: RateGroup;
      method: string;
      path: string;
      requestId?: string | undefined;
      parameterName?: string | undefined;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get status() {
    return this.details.status;
  }
  get errorCode() {
    return this.details.errorCode;
  }
}

/**
 * A 4xx that is RingCentral's verdict on the request (bad parameter, no permission, gone), not a wait that
 * outlasted the retries (408 timeout, 429 rate limit) nor a 401: the client answers a 401 by taking a new
 * session, so one that outlives that is an authentication failure of the whole run, not something to
 * hold against one mailbox or sync token.
 */
export function isRefusal(error: unknown): error is RingCentralApiError {
  if (!(error instanceof RingCentralApiError) || error.status === undefined) return false;
  return error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 408 && error.status !== 429;
}

/** RingCentral answered with something we cannot store safely (missing id, bad date...). */
export class MalformedPayloadError extends Error {
  override name = 'MalformedPayloadError';
}

/** The run was asked to stop (SIGTERM) and stopped at a page boundary. */
export class SyncAbortedError extends Error {
  override name = 'SyncAbortedError';
}

/**
 * A worker's lease on the account was taken over or ran out (src/workers/): the pass stops where it is and
 * writes nothing more. A kind of stop, so the runner records the run as aborted, not failed.
 */
export class LeaseLostError extends SyncAbortedError {
  override name = 'LeaseLostError';
}

/** Another process holds the advisory lock of this account stream. */
export class StreamLockedError extends Error {
  override name = 'StreamLockedError';
}

/** Bad command-line input: the message names the flag. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Something outside callsync that start-up needs (the database, RingCentral's login) failed in a way a person
 * fixes in the configuration or the environment. The message says what happened and names the variable to
 * check; it never holds a secret (passwords, the client secret, the JWT, tokens). describeError() prints it
 * alone: its cause is already said in its message.
 */
export class SetupError extends Error {
  override name = 'SetupError';
  constructor(
    message: string,
    /** The environment variables the message asks to check, e.g. ['DATABASE_URL']. */
    readonly variables: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The network failure under an error (ECONNREFUSED, ENOTFOUND...): Node's `code`, on the error or a cause. */
export function networkCodeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  }
  return undefined;
}

/**
 * The SQLSTATE of a database error (42501, 42P01...), on the error or a cause (drizzle wraps the driver's):
 * postgres.js and PGlite both carry it as `code` beside a `severity`.
 */
export function postgresCodeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const { code, severity } = e as { code?: unknown; severity?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && severity !== undefined) return code;
  }
  return undefined;
}

/** The innermost RingCentral error code in a cause chain, if any. */
export function errorCodeOf(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof RingCentralApiError && e.errorCode) return e.errorCode;
  }
  return undefined;
}

/**
 * One line with the whole cause chain: "call-log page 3: HTTP 503 CMN-201: Service unavailable". A cause
 * whose text the line already holds is left out (each cause is said once); a request that got no answer has
 * no HTTP status to show; a SetupError ends the line, its message being the whole story.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 6; e = e instanceof Error ? e.cause : undefined) {
    let part: string;
    if (e instanceof RingCentralApiError) {
      const code = e.errorCode ? ` ${e.errorCode}` : '';
      part = e.status === undefined && !code ? e.message : `HTTP ${e.status ?? '-'}${code}: ${e.message}`;
    } else part = shorten(e instanceof Error ? e.message : String(e));
    if (!parts.some((p) => p.includes(part))) parts.push(part);
    if (e instanceof SetupError) break;
  }
  return parts.join(': ');
}

/**
 * drizzle puts the whole statement and its parameters (a page of records, megabytes) into its error
 * message; the Postgres error in its cause is what matters.
 */
function shorten(message: string): string {
  if (message.startsWith('Failed query:')) return 'database statement failed';
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}
