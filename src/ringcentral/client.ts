import { SDK } from '@ringcentral/sdk';
import pRetry, { AbortError } from 'p-retry';
import type { RingCentralCredentials } from '../config.ts';
import { RingCentralApiError, type RateGroup } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { PersistentAuthStorage } from './auth-storage.ts';
import { parseJson } from './json.ts';
import { RATE_GROUPS, type RateBudget, type RateHeaders } from './rate-budget.ts';

/** Per-run tally of requests and 429s, written into sync_runs. */
export class RequestMeter {
  readonly requests: Record<RateGroup, number> = { Heavy: 0, Medium: 0, Light: 0, Auth: 0 };
  rateLimited = 0;
  count(group: RateGroup): void {
    this.requests[group]++;
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RetryPolicy {
  /** Attempts after the first for 5xx, 408 and network errors. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

export interface ClientOptions {
  credentials: RingCentralCredentials;
  budget: RateBudget;
  logger: Logger;
  /** Saved SDK auth data, and how to save it again. */
  authData: Record<string, string>;
  saveAuthData: (data: Record<string, string>) => Promise<void>;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
  /** Consecutive 429s on one request before giving up (each waits Retry-After). */
  maxRateLimitRetries?: number;
}

/** The guide's advice: back off exponentially on 5xx and connection errors, 2 s doubling, cap 60 s. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 6, minTimeoutMs: 2_000, maxTimeoutMs: 60_000 };

/** RingCentral's default wait when a 429 carries no Retry-After (the penalty is 60 s). */
const DEFAULT_RETRY_AFTER_SEC = 60;

interface RawResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * Every request to RingCentral goes through here: the official SDK with the JWT flow, one proactive rate
 * budget per group, Retry-After on 429, p-retry on 5xx and network errors, and re-login with the JWT
 * (once) when the session cannot be refreshed.
 */
export class RingCentralClient {
  private readonly sdk: SDK;
  private readonly retry: RetryPolicy;
  private authenticating: Promise<void> | undefined;

  constructor(private readonly options: ClientOptions) {
    const { credentials } = options;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sdk = new SDK({
      server: credentials.serverUrl,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      appName: 'callsync',
      appVersion: '0.1.0',
      localStorage: new PersistentAuthStorage(options.authData, options.saveAuthData) as never,
      defaultRequestInit: { timeout: options.requestTimeoutMs ?? 120_000 } as never,
      // A refresh token refused for a moment (429, 503) is still good: keep it and try again.
      clearCacheOnRefreshError: false,
    });
    // The SDK would refresh on its own inside send(), unbudgeted and with its failure passed off as the
    // API's answer; ensureAuthenticated() does it instead, right before each request.
    this.sdk.platform().ensureLoggedIn = async () => null;
    // Token requests happen inside the SDK; its events are where their rate headers can be read.
    this.sdk.client().on(this.sdk.client().events.requestSuccess, (response: RawResponse) => this.observe(response));
    this.sdk.client().on(this.sdk.client().events.requestError, (error: { response?: RawResponse }) => {
      if (error.response) this.observe(error.response);
    });
  }

  /** GET a RingCentral path or absolute URI (as found in navigation links); returns the parsed body. */
  async get(path: string, query: Query, group: RateGroup, meter: RequestMeter, signal?: AbortSignal): Promise<unknown> {
    return pRetry(() => this.attempt(path, query, group, meter, signal), {
      retries: this.retry.retries,
      minTimeout: this.retry.minTimeoutMs,
      maxTimeout: this.retry.maxTimeoutMs,
      factor: 2,
      randomize: true,
      ...(signal ? { signal } : {}),
      shouldRetry: ({ error }) => isTransient(error),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && isTransient(error)) {
          this.options.logger.warn({ path: pathOf(path), attempt: attemptNumber, err: describe(error) }, 'RingCentral request failed; retrying');
        }
      },
    });
  }

  private async attempt(path: string, query: Query, group: RateGroup, meter: RequestMeter, signal?: AbortSignal): Promise<unknown> {
    let rateLimited = 0;
    let unavailable = 0;
    let reauthenticated = false;
    for (;;) {
      // The group's wait comes first: a token checked before a minute's wait could expire during it.
      await this.options.budget.acquire(group, signal);
      await this.ensureAuthenticated(meter, signal);
      meter.count(group);
      const response = await this.send(path, query, group);
      if (response.status >= 200 && response.status < 300) {
        const text = await response.text();
        try {
          return text === '' ? {} : parseJson(text);
        } catch (cause) {
          throw new AbortError(apiError(`RingCentral returned a body that is not JSON for ${pathOf(path)}`, response, undefined, group, path, cause));
        }
      }
      const body = await readErrorBody(response);
      const retryAfterSec = retryAfterSeconds(response);
      if (response.status === 429) {
        meter.rateLimited++;
        const waitSec = retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC;
        this.options.budget.penalize(group, waitSec * 1000);
        this.options.logger.warn({ group, retryAfterSec: waitSec, errorCode: body.errorCode }, 'RingCentral rate limit hit (429); waiting Retry-After');
        if (++rateLimited > (this.options.maxRateLimitRetries ?? 10)) {
          throw new AbortError(apiError(`still rate limited after ${rateLimited} attempts`, response, body, group, path));
        }
        continue;
      }
      // A 503 that says when to come back ("limited", CMN-211) is waited out like a 429; without a
      // Retry-After it is a server failure, retried with backoff.
      if (response.status === 503 && retryAfterSec !== undefined && ++unavailable <= (this.options.maxRateLimitRetries ?? 10)) {
        this.options.budget.penalize(group, retryAfterSec * 1000);
        this.options.logger.warn({ group, retryAfterSec, errorCode: body.errorCode }, 'RingCentral unavailable (503); waiting Retry-After');
        continue;
      }
      if (response.status === 401 && !reauthenticated) {
        reauthenticated = true;
        this.options.logger.warn({ errorCode: body.errorCode }, 'RingCentral rejected the access token; re-authenticating');
        // Not auth().cancelAccessToken(): it sets expires_in to -1, which the refresh would then ask for.
        await this.sdk.platform().auth().setData({ access_token: '', expire_time: 0 });
        continue;
      }
      throw apiError(body.message ?? `HTTP ${response.status}`, response, body, group, path);
    }
  }

  private async send(path: string, query: Query, group: RateGroup): Promise<RawResponse> {
    try {
      // retry: true stops the SDK's own one-shot 401/429 retry: this class decides, and counts, every retry.
      return (await this.sdk.platform().send({ method: 'GET', url: path, query: cleanQuery(query), retry: true })) as RawResponse;
    } catch (error) {
      const response = (error as { response?: RawResponse }).response;
      if (response) return response;
      throw new RingCentralApiError(`network error calling ${pathOf(path)}: ${(error as Error).message}`, {
        status: undefined, errorCode: undefined, rateGroup: group, method: 'GET', path: pathOf(path),
      }, { cause: error });
    }
  }

  /**
   * Makes sure a valid access token is present: refresh with the refresh token when it can; log in again
   * with the JWT, once, when there is none or RingCentral refuses it. A token request that is rate limited
   * waits Retry-After in the Auth group (5 a minute) and tries again; one that fails on the server side is
   * an error worth retrying, and keeps the refresh token: a new JWT session on every hiccup would run into
   * RingCentral's cap of about five sessions a user. Single-flight.
   */
  private ensureAuthenticated(meter: RequestMeter, signal?: AbortSignal): Promise<void> {
    this.authenticating ??= (async () => {
      const platform = this.sdk.platform();
      const auth = platform.auth();
      for (let limited = 0; ; ) {
        if (await auth.accessTokenValid()) return;
        const loginWithJwt = !(await auth.refreshTokenValid());
        await this.options.budget.acquire('Auth', signal);
        meter.count('Auth');
        try {
          if (loginWithJwt) {
            await platform.login({ jwt: this.options.credentials.jwt });
            this.options.logger.info('logged in to RingCentral with the JWT');
          } else {
            await platform.refresh();
          }
          return;
        } catch (error) {
          const failure = await tokenError(error, loginWithJwt ? 'logging in to RingCentral with the JWT' : 'refreshing the RingCentral session');
          if (failure.status === 429 || (failure.status === 503 && failure.retryAfterSec !== undefined)) {
            meter.rateLimited += failure.status === 429 ? 1 : 0;
            this.options.budget.penalize('Auth', (failure.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC) * 1000);
            this.options.logger.warn({ status: failure.status, retryAfterSec: failure.retryAfterSec }, 'RingCentral token request limited; waiting Retry-After');
            if (++limited > (this.options.maxRateLimitRetries ?? 10)) throw failure.error;
            continue;
          }
          if (loginWithJwt || isTransient(failure.error)) throw failure.error;
          // The refresh token itself was refused (invalid_grant, OAU-xxx): forget it, and the next round
          // opens a new session from the JWT.
          this.options.logger.warn({ errorCode: failure.error.errorCode }, 'RingCentral refused the refresh token; logging in again with the JWT');
          await auth.setData({ refresh_token: '', refresh_token_expire_time: 0 });
        }
      }
    })().finally(() => {
      this.authenticating = undefined;
    });
    return this.authenticating;
  }

  private observe(response: RawResponse): void {
    const group = groupFromHeader(response.headers.get('x-rate-limit-group'));
    if (!group) return;
    const headers: RateHeaders = {
      limit: numberHeader(response, 'x-rate-limit-limit'),
      remaining: numberHeader(response, 'x-rate-limit-remaining'),
      windowSec: numberHeader(response, 'x-rate-limit-window'),
    };
    this.options.budget.observe(group, headers);
  }
}

/** RingCentral writes group names in varying case ("heavy", "Heavy"); the guide says not to hard-code it. */
function groupFromHeader(value: string | null): RateGroup | undefined {
  if (!value) return undefined;
  return RATE_GROUPS.find((g) => g.toLowerCase() === value.trim().toLowerCase());
}

function numberHeader(response: RawResponse, name: string): number | undefined {
  const value = response.headers.get(name);
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The SDK sends `key=` for undefined values; RingCentral would read that as an empty filter. */
function cleanQuery(query: Query): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value : String(value);
  }
  return out;
}

interface ErrorBody {
  errorCode?: string;
  message?: string;
  parameterName?: string;
}

async function readErrorBody(response: RawResponse): Promise<ErrorBody> {
  try {
    const body = JSON.parse(await response.text()) as Record<string, unknown>;
    const first = Array.isArray(body.errors) ? (body.errors[0] as Record<string, unknown> | undefined) : undefined;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return {
      // The specific code (CMN-301, OAU-213) sits in errors[0]; the top level may hold a generic one.
      errorCode: str(first?.errorCode) ?? str(body.errorCode) ?? str(body.error),
      message: str(first?.message) ?? str(body.message) ?? str(body.error_description),
      parameterName: str(first?.parameterName),
    };
  } catch {
    return {};
  }
}

function apiError(message: string, response: RawResponse, body: ErrorBody | undefined, group: RateGroup, path: string, cause?: unknown) {
  return new RingCentralApiError(message, {
    status: response.status,
    errorCode: body?.errorCode,
    rateGroup: group,
    method: 'GET',
    path: pathOf(path),
    requestId: response.headers.get('rcrequestid') ?? undefined,
    parameterName: body?.parameterName,
  }, cause === undefined ? undefined : { cause });
}

/** A failed token request as an error naming what was attempted, with its status and Retry-After. */
async function tokenError(error: unknown, attempt: string): Promise<{ error: RingCentralApiError; status: number | undefined; retryAfterSec: number | undefined }> {
  const response = (error as { response?: RawResponse }).response;
  if (!response) {
    const failure = new RingCentralApiError(`${attempt} failed: ${(error as Error).message}`, {
      status: undefined, errorCode: undefined, rateGroup: 'Auth', method: 'POST', path: '/restapi/oauth/token',
    }, { cause: error });
    return { error: failure, status: undefined, retryAfterSec: undefined };
  }
  const body = await readErrorBody(response);
  const failure = apiError(`${attempt} failed: ${body.message ?? `HTTP ${response.status}`}`, response, body, 'Auth', '/restapi/oauth/token');
  return { error: failure, status: response.status, retryAfterSec: retryAfterSeconds(response) };
}

/** Retry-After in seconds: RingCentral sends a number; HTTP also allows a date. Undefined when absent. */
function retryAfterSeconds(response: RawResponse): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : undefined;
}

/** 5xx, 408 and network errors are worth retrying; other 4xx are not, nor 501 Not Implemented and 505. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof RingCentralApiError)) return false;
  const status = error.status;
  return status === undefined || (status >= 500 && status !== 501 && status !== 505) || status === 408;
}

/** The path of a URI without its query and origin: safe to log (no tokens ride in our URLs). */
function pathOf(uri: string): string {
  try {
    return new URL(uri, 'http://x').pathname;
  } catch {
    return uri;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
