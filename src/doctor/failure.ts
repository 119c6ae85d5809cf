import { RingCentralApiError } from '../errors.ts';

/** An error as one line for the report, with RingCentral's errorCode when it gave one. */
export function describeFailure(error: unknown): { text: string; errorCode: string | undefined } {
  if (error instanceof RingCentralApiError) {
    const code = error.errorCode ? ` ${error.errorCode}` : '';
    return { text: `HTTP ${error.status ?? '-'}${code}: ${error.message}`, errorCode: error.errorCode };
  }
  return { text: error instanceof Error ? error.message : String(error), errorCode: undefined };
}

/** A 4xx that is RingCentral's answer to this request (not a wait that ran out, not a lost session). */
export function isRefused(error: unknown, ...statuses: number[]): error is RingCentralApiError {
  return error instanceof RingCentralApiError && error.status !== undefined && statuses.includes(error.status);
}
