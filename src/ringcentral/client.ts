import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SDK } from '@ringcentral/sdk';
import pRetry, { AbortError } from 'p-retry';
import type { RingCentralCredentials } from '../config.ts';
import { MalformedPayloadError, RingCentralApiError, networkCodeOf, type RateGroup } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { accessUsable, AuthStorage, REFRESH_HANDICAP_MS, sessionAction, tokensOf, type SharedSession } from './auth-storage.ts';
import { isRingCentralUri } from './content-hosts.ts';
import { parseJson } from './json.ts';
import type { RingCentralEvent, RingCentralObserver } from './observer.ts';
import { RATE_GROUPS, realClock, type RateHeaders } from './rate-budget.ts';
import type { RequestBudget } from './request-budget.ts';

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
  /** This process's budget (RateBudget), or the one shared with every process using the credential (SharedRateBudget). */
  budget: RequestBudget;
  logger: Logger;
  /** The credential's session, shared with every process on the database (store/auth-sessions.ts). */
  session: SharedSession;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
  /** Consecutive 429s on one request before giving up (each waits Retry-After). */
  maxRateLimitRetries?: number;
  /** Told of requests, 429s, retries and token requests (metrics). */
  observer?: RingCentralObserver | undefined;
}

/** The guide's advice: back off exponentially on 5xx and connection errors, 2 s doubling, cap 60 s. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 6, minTimeoutMs: 2_000, maxTimeoutMs: 60_000 };

/** RingCentral's default wait when a 429 carries no Retry-After (the penalty is 60 s). */
const DEFAULT_RETRY_AFTER_SEC = 60;

/**
 * 401s one request may answer by re-reading the session: the first is usually another process's refresh
 * (or a dead session, which the same round refreshes or replaces); a second one, on a token just taken,
 * can only be another refresh landing in between. More is an authentication failure.
 */
const MAX_REAUTHENTICATIONS = 2;

/** See RingCentralClient.grant(). */
export interface SessionGrant {
  scopes: string[];
  ownerId: string | undefined;
  refreshable: boolean;
}

/** One part of a batch answer (207 multipart/mixed): the id's own status and its parsed JSON body. */
export interface ResponsePart {
  status: number;
  body: unknown;
}

interface RawResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** node-fetch's (the SDK's fetch in Node) is a Node stream; a WHATWG fetch's a web stream. */
  body?: unknown;
}

/** A media download (voicemail or recording audio) as RingCentral started sending it: its body not yet read. */
export interface Download {
  /** 200, or 206 for a Range. */
  status: number;
  contentType: string | undefined;
  contentLength: number | undefined;
  /** The 206's `bytes a-b/size`. */
  contentRange: string | undefined;
  /** The group RingCentral counted the request in (X-Rate-Limit-Group): media may be on another plan than its spec says. */
  rateGroup: RateGroup | undefined;
  /** The bytes, streamed: destroy it to stop the download. */
  body: Readable;
}

/** A response and the access token its request carried (to know which one a 401 refused). */
interface Sent {
  response: RawResponse;
  accessToken: string | undefined;
}

/**
 * Every request to RingCentral goes through here: the official SDK with the JWT flow, one proactive rate
 * budget per group, Retry-After on 429, p-retry on 5xx and network errors, one session shared through
 * the database with every other process (auth-storage.ts), and re-login with the JWT (once) when that
 * session cannot be refreshed.
 */
export class RingCentralClient {
  private readonly sdk: SDK;
  private readonly retry: RetryPolicy;
  private readonly storage = new AuthStorage();
  private authenticating: Promise<void> | undefined;
  /** The access token a request was last refused with (401): not to be used again, whatever its expiry. */
  private rejectedAccessToken: string | undefined;

  constructor(private readonly options: ClientOptions) {
    const { credentials } = options;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sdk = new SDK({
      server: credentials.serverUrl,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      appName: 'callsync',
      appVersion: '0.1.0',
      localStorage: this.storage as never,
      defaultRequestInit: { timeout: options.requestTimeoutMs ?? 120_000 } as never,
      // A refresh token refused for a moment (429, 503) is still good: keep it and try again.
      clearCacheOnRefreshError: false,
      // Stated, not assumed: accessUsable() applies the same margin to sessions read from the database.
      refreshHandicapMs: REFRESH_HANDICAP_MS,
      // The SDK waits this long before each refresh (to gather callers); ours happen under a lock.
      refreshDelayMs: 0,
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

  /**
   * What RingCentral granted the session this client holds, without its tokens (for `callsync doctor`):
   * the token response's `scope` (space-separated in OAuth; empty when it named none), `owner_id` (the JWT
   * user's extension id) and whether a refresh token came with it. Read-only.
   */
  async grant(): Promise<SessionGrant> {
    const data = await this.sdk.platform().auth().data();
    return {
      scopes: (data.scope ?? '').split(/[\s,]+/).filter((s) => s !== ''),
      ownerId: data.owner_id ? String(data.owner_id) : undefined,
      refreshable: tokensOf(this.storage.snapshot()).refreshToken !== '',
    };
  }

  /** GET a RingCentral path or absolute URI (as found in navigation links); returns the parsed body. */
  get(path: string, query: Query, group: RateGroup, meter: RequestMeter, signal?: AbortSignal): Promise<unknown> {
    return this.request(path, query, group, meter, signal, (response) => readJson(response, group, path));
  }

  /**
   * GET a batch read (`…/message-store/{id1},{id2}`): RingCentral answers several ids with 207
   * multipart/mixed, a status summary and then one part per id; this returns one entry per id, in order,
   * each with its own status (a 404 part is an id not found, not a failed request). A plain JSON answer
   * (a single id) is one part. Budget, retries, 401 and 429 as for `get`; a non-2xx answer to the whole
   * request throws as it does there.
   */
  getParts(path: string, query: Query, group: RateGroup, meter: RequestMeter, signal?: AbortSignal): Promise<ResponsePart[]> {
    return this.request(path, query, group, meter, signal, (response) => this.readParts(response, group, path));
  }

  /**
   * GET a text attachment (a voicemail transcript) by the content URI RingCentral gave, on its media host;
   * budget, retries, 401 and 429 as for `get`. The URI travels with our access token: one that points
   * off RingCentral (or off the configured server) is refused before any request.
   */
  getText(uri: string, group: RateGroup, meter: RequestMeter, signal?: AbortSignal): Promise<string> {
    if (!isRingCentralUri(uri, this.options.credentials.serverUrl)) {
      return Promise.reject(new MalformedPayloadError(`content URI ${pathOf(uri)} is not on RingCentral's hosts nor on RC_SERVER_URL: not sending the access token there`));
    }
    return this.request(uri, {}, group, meter, signal, (response) => response.text());
  }

  /**
   * GET media content (a content URI, on RingCentral's media host) without reading it: the caller streams the
   * body on. `range` is passed as the Range header (206, or 416 CMN-107 thrown). Budget, retries, 401 and 429
   * as for `get`, up to the first byte: a download that breaks later is the caller's to retry.
   */
  download(uri: string, range: string | undefined, group: RateGroup, meter: RequestMeter, signal?: AbortSignal): Promise<Download> {
    if (!isRingCentralUri(uri, this.options.credentials.serverUrl)) {
      return Promise.reject(new MalformedPayloadError(`content URI ${pathOf(uri)} is not on RingCentral's hosts nor on RC_SERVER_URL: not sending the access token there`));
    }
    return this.request(uri, {}, group, meter, signal, async (response) => readDownload(response, group, uri), range ? { range } : undefined);
  }

  private request<T>(path: string, query: Query, group: RateGroup, meter: RequestMeter, signal: AbortSignal | undefined, read: (response: RawResponse) => Promise<T>, headers?: Record<string, string>): Promise<T> {
    return pRetry(() => this.attempt(path, query, group, meter, signal, read, headers), {
      retries: this.retry.retries,
      minTimeout: this.retry.minTimeoutMs,
      maxTimeout: this.retry.maxTimeoutMs,
      factor: 2,
      randomize: true,
      ...(signal ? { signal } : {}),
      shouldRetry: ({ error }) => isTransient(error),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && isTransient(error)) {
          this.emit({ type: 'retry', group, reason: 'transient' });
          this.options.logger.warn({ path: pathOf(path), attempt: attemptNumber, err: describe(error) }, 'RingCentral request failed; retrying');
        }
      },
    });
  }

  private async attempt<T>(path: string, query: Query, group: RateGroup, meter: RequestMeter, signal: AbortSignal | undefined, read: (response: RawResponse) => Promise<T>, headers?: Record<string, string>): Promise<T> {
    let rateLimited = 0;
    let unavailable = 0;
    let reauthentications = 0;
    for (;;) {
      // The group's wait comes first: a token checked before a minute's wait could expire during it.
      await this.options.budget.acquire(group, signal);
      await this.ensureAuthenticated(meter, signal);
      this.count(meter, group);
      const { response, accessToken } = await this.send(path, query, group, headers);
      if (response.status >= 200 && response.status < 300) return read(response);
      const body = await readErrorBody(response);
      const retryAfterSec = retryAfterSeconds(response);
      if (response.status === 429) {
        meter.rateLimited++;
        this.emit({ type: 'rate-limited', group });
        const waitSec = retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC;
        this.options.budget.penalize(group, waitSec * 1000);
        this.options.logger.warn({ group, retryAfterSec: waitSec, errorCode: body.errorCode }, 'RingCentral rate limit hit (429); waiting Retry-After');
        if (++rateLimited > (this.options.maxRateLimitRetries ?? 10)) {
          throw new AbortError(apiError(`still rate limited after ${rateLimited} attempts`, response, body, group, path));
        }
        this.emit({ type: 'retry', group, reason: 'rate_limited' });
        continue;
      }
      // A 503 that says when to come back ("limited", CMN-211) is waited out like a 429; without a
      // Retry-After it is a server failure, retried with backoff.
      if (response.status === 503 && retryAfterSec !== undefined && ++unavailable <= (this.options.maxRateLimitRetries ?? 10)) {
        this.options.budget.penalize(group, retryAfterSec * 1000);
        this.options.logger.warn({ group, retryAfterSec, errorCode: body.errorCode }, 'RingCentral unavailable (503); waiting Retry-After');
        this.emit({ type: 'retry', group, reason: 'unavailable' });
        continue;
      }
      if (response.status === 401 && reauthentications++ < MAX_REAUTHENTICATIONS) {
        // Another process may have refreshed the session (which kills this token): the next round re-reads
        // the stored session before refreshing. Nothing is written: the session is not this process's alone.
        this.rejectedAccessToken = accessToken ?? tokensOf(this.storage.snapshot()).accessToken;
        this.options.logger.warn({ errorCode: body.errorCode }, 'RingCentral rejected the access token; re-reading the shared session');
        this.emit({ type: 'retry', group, reason: 'unauthorized' });
        continue;
      }
      throw apiError(body.message ?? `HTTP ${response.status}`, response, body, group, path);
    }
  }

  private async send(path: string, query: Query, group: RateGroup, headers?: Record<string, string>): Promise<Sent> {
    try {
      // retry: true stops the SDK's own one-shot 401/429 retry: this class decides, and counts, every retry.
      const response = (await this.sdk.platform().send({ method: 'GET', url: path, query: cleanQuery(query), retry: true, ...(headers ? { headers } : {}) })) as RawResponse;
      return { response, accessToken: undefined };
    } catch (error) {
      const { response, request } = error as { response?: RawResponse; request?: { headers?: { get(name: string): string | null } } };
      const authorization = request?.headers?.get('authorization') ?? undefined;
      if (response) return { response, accessToken: authorization?.replace(/^Bearer\s+/i, '') };
      throw new RingCentralApiError(`network error calling ${pathOf(path)}: ${(error as Error).message}`, {
        status: undefined, errorCode: undefined, rateGroup: group, method: 'GET', path: pathOf(path),
      }, { cause: error });
    }
  }

  /**
   * Makes sure a usable access token is held. Single-flight within the client; a caller whose token was
   * refused while a round was already under way (and may not have seen the refusal) starts another.
   */
  private async ensureAuthenticated(meter: RequestMeter, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (accessUsable(this.storage.snapshot(), this.rejectedAccessToken, Date.now())) return;
      this.authenticating ??= this.authenticate(meter, signal).finally(() => {
        this.authenticating = undefined;
      });
      await this.authenticating;
      // A round ends with a token it just took or granted (usable even when its lifetime is shorter than
      // the SDK's refresh margin); only one refused meanwhile sends us round again.
      const held = tokensOf(this.storage.snapshot()).accessToken;
      if (held !== '' && held !== this.rejectedAccessToken) return;
    }
  }

  /**
   * One round under the session lock (shared with every process on the database): re-read the stored
   * session and adopt it when another process changed it; refresh it (or log in with the JWT when it
   * cannot be refreshed) only when it cannot be used as it is; store what was granted before the lock is
   * released. A token request that is rate limited waits Retry-After in the Auth group (5 a minute) and
   * tries again in a new round; one that fails on the server side is an error worth retrying, and keeps
   * the refresh token: a new JWT session on every hiccup would run into RingCentral's cap of about five
   * sessions a user. A refused refresh token is dropped from the stored session, so the next round (of
   * whichever process gets the lock first) logs in once for all.
   */
  private async authenticate(meter: RequestMeter, signal?: AbortSignal): Promise<void> {
    const platform = this.sdk.platform();
    const { logger } = this.options;
    for (let limited = 0; ; ) {
      const outcome = await this.options.session.withLock(async (stored): Promise<'done' | 'again' | TokenFailure> => {
        const held = this.storage.snapshot();
        const current = await stored.read();
        const decision = sessionAction(current, held, this.rejectedAccessToken, Date.now());
        if (decision.adopt) {
          this.storage.replace(current);
          logger.debug({ next: decision.action }, 'took over the RingCentral session another process stored');
        }
        if (decision.action === 'use') {
          // Nothing was stored, but a live session is held: share it.
          if (!decision.adopt && tokensOf(current).accessToken !== tokensOf(held).accessToken) await stored.write(held);
          return 'done';
        }
        const loginWithJwt = decision.action === 'login';
        await this.options.budget.acquire('Auth', signal);
        this.count(meter, 'Auth');
        const request = loginWithJwt ? 'login' : 'refresh';
        try {
          if (loginWithJwt) {
            await platform.login({ jwt: this.options.credentials.jwt });
            logger.info('logged in to RingCentral with the JWT');
          } else {
            await platform.refresh();
            logger.debug('refreshed the RingCentral session');
          }
          this.emit({ type: 'token', request, ok: true });
        } catch (error) {
          this.emit({ type: 'token', request, ok: false });
          const failure = await tokenError(error, loginWithJwt, this.options.credentials);
          if (failure.status === 429 || (failure.status === 503 && failure.retryAfterSec !== undefined)) return failure;
          // A refused connection or an unknown host at login is RC_SERVER_URL being wrong, not a hiccup:
          // minutes of backoff would only hide that (RingCentral's own servers do not refuse connections).
          if (loginWithJwt && failure.unreachable) throw new AbortError(failure.error);
          if (loginWithJwt || isTransient(failure.error)) throw failure.error;
          // The refresh token itself was refused (invalid_grant, OAU-xxx): the session is dead for every
          // process, and its access token with it.
          logger.warn({ errorCode: failure.error.errorCode }, 'RingCentral refused the refresh token; logging in again with the JWT');
          await platform.auth().setData({ access_token: '', expire_time: 0, refresh_token: '', refresh_token_expire_time: 0 });
          await stored.write(this.storage.snapshot());
          return 'again';
        }
        this.rejectedAccessToken = undefined;
        await stored.write(this.storage.snapshot());
        return 'done';
      });
      if (outcome === 'done') return;
      if (outcome === 'again') continue;
      meter.rateLimited += outcome.status === 429 ? 1 : 0;
      if (outcome.status === 429) this.emit({ type: 'rate-limited', group: 'Auth' });
      this.options.budget.penalize('Auth', (outcome.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC) * 1000);
      logger.warn({ status: outcome.status, retryAfterSec: outcome.retryAfterSec }, 'RingCentral token request limited; waiting Retry-After');
      if (++limited > (this.options.maxRateLimitRetries ?? 10)) throw outcome.error;
      this.emit({ type: 'retry', group: 'Auth', reason: outcome.status === 429 ? 'rate_limited' : 'unavailable' });
      // Waited out here, not inside the lock, so other processes may still take a session stored meanwhile.
      await realClock.sleep(this.options.budget.delayFor('Auth'), signal);
    }
  }

  /** The parts of a 207 multipart/mixed answer, or a plain JSON answer as its one part. */
  private async readParts(response: RawResponse, group: RateGroup, path: string): Promise<ResponsePart[]> {
    if (!this.sdk.client().isMultipart(response as never)) return [{ status: response.status, body: await readJson(response, group, path) }];
    let parts: RawResponse[];
    try {
      parts = (await this.sdk.multipart(response as never)) as unknown as RawResponse[];
    } catch (cause) {
      throw new AbortError(apiError(`RingCentral returned a multipart answer that cannot be split for ${pathOf(path)}`, response, undefined, group, path, cause));
    }
    const out: ResponsePart[] = [];
    for (const part of parts) out.push({ status: part.status, body: await readJson(part, group, path, response) });
    return out;
  }

  /** A request about to be sent: on the run's meter and to the observer. */
  private count(meter: RequestMeter, group: RateGroup): void {
    meter.count(group);
    this.emit({ type: 'request', group });
  }

  private emit(event: RingCentralEvent): void {
    this.options.observer?.(event);
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

/** A 2xx body parsed int64-exact ({} when empty); a body that is not JSON is not worth retrying. */
async function readJson(response: RawResponse, group: RateGroup, path: string, whole: RawResponse = response): Promise<unknown> {
  const text = await response.text();
  try {
    return text.trim() === '' ? {} : parseJson(text);
  } catch (cause) {
    throw new AbortError(apiError(`RingCentral returned a body that is not JSON for ${pathOf(path)}`, whole, undefined, group, path, cause));
  }
}

function readDownload(response: RawResponse, group: RateGroup, uri: string): Download {
  if (!response.body) throw new AbortError(apiError(`RingCentral sent no content for ${pathOf(uri)}`, response, undefined, group, uri));
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    contentLength: numberHeader(response, 'content-length'),
    contentRange: response.headers.get('content-range') ?? undefined,
    rateGroup: groupFromHeader(response.headers.get('x-rate-limit-group')),
    body: response.body instanceof Readable ? response.body : Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
  };
}

interface ErrorBody {
  errorCode?: string;
  message?: string;
  parameterName?: string;
  /** The OAuth `error` of a token endpoint answer: invalid_client, invalid_grant, unauthorized_client... */
  oauthError?: string;
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
      oauthError: str(body.error),
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

interface TokenFailure {
  error: RingCentralApiError;
  status: number | undefined;
  retryAfterSec: number | undefined;
  /** No answer because the server refused the connection or its host does not resolve. */
  unreachable: boolean;
}

/**
 * A failed token request as an error a person can act on: what failed, RingCentral's OAuth error and
 * errorCode, and the variable to fix. Never holds the client secret, the JWT or a token (RingCentral's own
 * message is included only with those taken out).
 */
async function tokenError(error: unknown, login: boolean, credentials: RingCentralCredentials): Promise<TokenFailure> {
  const attempt = login ? 'logging in to RingCentral with the JWT' : 'refreshing the RingCentral session';
  const response = (error as { response?: RawResponse | null }).response;
  const path = '/restapi/oauth/token';
  if (!response) {
    const code = networkCodeOf(error);
    const host = hostOf(credentials.serverUrl);
    const message =
      code === 'ECONNREFUSED' ? `cannot reach RingCentral at ${credentials.serverUrl}: connection refused; check RC_SERVER_URL`
      : code === 'ENOTFOUND' ? `cannot reach RingCentral: the host "${host}" cannot be resolved (DNS found no such name); check RC_SERVER_URL`
      : `${attempt} failed: ${redact((error as Error).message, credentials)}`;
    const unreachable = code === 'ECONNREFUSED' || code === 'ENOTFOUND';
    // When unreachable, the message says all the cause would (which would only repeat it).
    const failure = new RingCentralApiError(message, { status: undefined, errorCode: undefined, rateGroup: 'Auth', method: 'POST', path }, unreachable ? undefined : { cause: error });
    return { error: failure, status: undefined, retryAfterSec: undefined, unreachable };
  }
  const body = await readErrorBody(response);
  const oauth = body.oauthError;
  const said = (text: string | undefined) => (text ? `: ${redact(text, credentials)}` : '');
  // RingCentral's errorCode (OAU-xxx) rides in the error's details, and describeError() shows it.
  const codes = oauth ?? '';
  const message =
    oauth === 'invalid_client'
      ? `RingCentral refused the app's credentials (${codes}): check RC_CLIENT_ID and RC_CLIENT_SECRET, the Client ID and Client Secret of the app (Developer Console → the app → Credentials) for the environment RC_SERVER_URL names (${credentials.serverUrl})`
      : oauth === 'invalid_grant' && login
        ? `RingCentral refused the JWT (${codes}${said(body.message)}): RC_JWT is wrong, expired or revoked, or was issued for another environment than RC_SERVER_URL (${credentials.serverUrl}); create a JWT credential for the admin user (Developer Console → Credentials) and set RC_JWT`
        : oauth === 'unauthorized_client'
          ? `RingCentral does not allow this app the JWT flow (${codes}): enable "JWT auth flow" in the app's settings, or check that RC_CLIENT_ID names the right app`
          : `${attempt} failed${said(body.message ?? `HTTP ${response.status}`)}`;
  const failure = apiError(message, response, body, 'Auth', path);
  return { error: failure, status: response.status, retryAfterSec: retryAfterSeconds(response), unreachable: false };
}

/** Takes the client secret, the JWT and anything shaped like a JWT out of a text RingCentral wrote. */
function redact(text: string, credentials: RingCentralCredentials): string {
  let out = text;
  for (const secret of [credentials.clientSecret, credentials.jwt]) if (secret) out = out.split(secret).join('[redacted]');
  return out.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted]');
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
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
