import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Logger } from '../logger.ts';
import { createAdmission, type AdmissionLimits, type AdmissionSnapshot } from './admission.ts';

/**
 * The two promises the API keeps under load, around each authenticated GraphQL request:
 * - a wall-clock limit: past `requestTimeoutMs` the request is answered 503 REQUEST_TIMEOUT at once, and its
 *   work stops: it starts no further statement and stops waiting for a place or a connection (a statement
 *   already running ends by the statement timeout on Postgres; PGlite cannot cut one short);
 * - admission (admission.ts): per key a few requests at once and a short queue, past it 429 + Retry-After.
 */
export interface GuardLimits extends AdmissionLimits {
  requestTimeoutMs: number;
  statementTimeoutMs: number;
}

/** What the guarded work gets: its signal, and admit(key), false once a 429 has been sent for it. */
export interface Guarded {
  signal: AbortSignal;
  admit(key: string): Promise<boolean>;
}

// The signal of the request whose work is running, for the database to read as each statement starts.
const current = new AsyncLocalStorage<AbortSignal>();

/** The signal of the API request this code runs for, if any. */
export const currentRequestSignal = (): AbortSignal | undefined => current.getStore();

/** Seconds a refused client is told to wait: a place comes free as soon as one of its requests is answered. */
const RETRY_AFTER_SECONDS = 1;

/** The guard of one server: run(res, work) answers 503 or 429 itself when the work does not. */
export function createRequestGuard(limits: GuardLimits, logger: Logger): { run(res: ServerResponse, work: (guarded: Guarded) => Promise<unknown>): Promise<void>; snapshot(): AdmissionSnapshot } {
  const admission = createAdmission(limits);
  const timeoutError = new GraphQLError(
    `The request took longer than ${limits.requestTimeoutMs} ms and was stopped. Ask for less (a smaller first, fewer fields) or, if the server is busy, try again later.`,
    { extensions: { code: 'REQUEST_TIMEOUT', requestTimeoutMs: limits.requestTimeoutMs, http: { status: 503 } } },
  );
  const timeoutBody = JSON.stringify({ errors: [{ message: timeoutError.message, extensions: { code: 'REQUEST_TIMEOUT', requestTimeoutMs: limits.requestTimeoutMs } }] });
  return {
    snapshot: () => admission.snapshot(),
    async run(res, work) {
      const controller = new AbortController();
      const { signal } = controller;
      const timer = setTimeout(() => {
        controller.abort(timeoutError);
        if (res.headersSent) return;
        logger.warn({ requestTimeoutMs: limits.requestTimeoutMs }, 'API request stopped: over the request timeout');
        res.writeHead(503, { 'content-type': 'application/json' }).end(timeoutBody);
      }, limits.requestTimeoutMs);
      // A client that hung up needs nothing more: its request leaves the queue and starts no statement.
      const hungUp = () => !res.writableFinished && controller.abort(new Error('the client closed the connection'));
      res.once('close', hungUp);
      let release: (() => void) | undefined;
      const admit = async (key: string) => {
        const place = await admission.enter(key, signal);
        if ('release' in place) {
          release = () => place.release();
          return true;
        }
        const { perKey, queuedPerKey } = place.limits;
        logger.info({ apiKeyName: key, running: place.running, queued: place.queued }, 'API request refused: too many requests of one key');
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_SECONDS) });
        const message = `This API key already has ${place.running} requests running and ${place.queued} waiting, the most this server allows ` +
          `(API_MAX_CONCURRENT_PER_KEY=${perKey}, API_MAX_QUEUED_PER_KEY=${queuedPerKey}). Send fewer requests at once: wait for answers before sending more.`;
        res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'TOO_MANY_REQUESTS', maxConcurrentPerKey: perKey, maxQueuedPerKey: queuedPerKey, retryAfterSeconds: RETRY_AFTER_SECONDS } }] }));
        return false;
      };
      try {
        await current.run(signal, () => work({ signal, admit }));
      } catch (error) {
        // Once stopped, what the work throws is that stop (a statement refused, a wait ended): answered already.
        if (signal.aborted) return;
        // Outside GraphQL (which answers its own): the key's lookup, cancelled by the statement timeout.
        if (!isStatementTimeout(error) || res.headersSent) throw error;
        logger.warn({ err: error }, 'API request failed: the API key lookup was cancelled by the statement timeout');
        const message = `Checking the API key took longer than ${limits.statementTimeoutMs} ms and was cancelled: the server is busy. Try again later.`;
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message, extensions: { code: 'QUERY_TIMEOUT' } }] }));
      } finally {
        clearTimeout(timer);
        res.off('close', hungUp);
        release?.();
      }
    },
  };
}

/** A Postgres statement cancelled by statement_timeout (57014). */
const isStatementTimeout = (error: unknown) => (error as { code?: unknown } | undefined)?.code === '57014';
