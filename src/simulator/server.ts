// The HTTP front of the simulator. Every API request runs the same pipeline RingCentral's gateway
// appears to: authenticate → count against the group's rate bucket → (injected faults) → handler.
// Every response carries RCRequestId and the X-Rate-Limit-* headers of its group (api-notes §6.3, §7.1).

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { admin } from './routes-admin.ts';
import { authzCheck, authzProfile } from './routes-authz.ts';
import { accountInfo, getExtension, listExtensions } from './routes-account.ts';
import { getCallRecords, listCallLog } from './routes-call-log.ts';
import { extractSync } from './routes-extract-sync.ts';
import { getMessageContent, getMessages, listMessages } from './routes-message-store.ts';
import { messageSync } from './routes-message-sync.ts';
import { getRecordingContent } from './routes-recording.ts';
import { revoke, token } from './routes-oauth.ts';
import { isOwnAccount, type SimContext } from './context.ts';
import { apiError, json, ParamError, RATE_EXCEEDED_BODY, UNAUTHORIZED_HEADERS, type ApiRequest, type ApiResponse } from './http.ts';
import type { EndpointFamily, RateGroup } from './types.ts';

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  group: RateGroup;
  /** Needs a bearer access token. */
  bearer: boolean;
  handler: (ctx: SimContext, req: ApiRequest) => ApiResponse;
  /** What stats().endpoints counts it under. */
  family: EndpointFamily;
}

const ACCOUNT = '/restapi/v1\\.0/account/([^/]+)';
const ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/restapi\/oauth\/token$/, group: 'Auth', bearer: false, handler: token, family: 'oauth' },
  { method: 'POST', pattern: /^\/restapi\/oauth\/revoke$/, group: 'Auth', bearer: false, handler: revoke, family: 'oauth' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}$`), group: 'Light', bearer: true, handler: accountInfo, family: 'account' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/extension$`), group: 'Medium', bearer: true, handler: listExtensions, family: 'extensions' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/extension/([^/]+)$`), group: 'Light', bearer: true, handler: getExtension, family: 'extensions' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/extension/([^/]+)/authz-profile$`), group: 'Medium', bearer: true, handler: authzProfile, family: 'authzProfile' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/extension/([^/]+)/authz-profile/check$`), group: 'Light', bearer: true, handler: authzCheck, family: 'authzProfile' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/call-log$`), group: 'Heavy', bearer: true, handler: listCallLog, family: 'callLog' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/call-log/([^/]+)$`), group: 'Heavy', bearer: true, handler: getCallRecords, family: 'callLogById' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/call-log-extract-sync$`), group: 'Heavy', bearer: true, handler: extractSync, family: 'extractSync' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/extension/([^/]+)/message-store$`), group: 'Light', bearer: true, handler: listMessages, family: 'messageList' },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/extension/([^/]+)/message-store/([^/]+)$`), group: 'Light', bearer: true, handler: getMessages, family: 'messageById' },
  {
    method: 'GET',
    pattern: new RegExp(`^${ACCOUNT}/extension/([^/]+)/message-store/([^/]+)/content/([^/]+)$`),
    group: 'Medium',
    bearer: true,
    handler: getMessageContent,
    family: 'messageContent',
  },
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/extension/([^/]+)/message-sync$`), group: 'Light', bearer: true, handler: messageSync, family: 'messageSync' },
  // Heavy per spec; RingCentral says media may be on other plans, so clients should read X-Rate-Limit-Group.
  { method: 'GET', pattern: new RegExp(`^${ACCOUNT}/recording/([^/]+)/content$`), group: 'Heavy', bearer: true, handler: getRecordingContent, family: 'recordingContent' },
];

const MAX_BODY = 1 << 20;

/** The node:http server for one simulator (not yet listening). */
export function createSimulatorServer(ctx: SimContext): Server {
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((err: unknown) => {
      // Last resort: never leave a client hanging on a bug in the simulator.
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errorCode: 'CMN-203', message: `Simulator failure: ${String(err)}` }));
      } else {
        res.destroy();
      }
    });
  });
  // Clients keep idle connections for ~4 s (undici) and reuse them; Node closes idle ones after 5 s, so on a
  // busy machine a request sometimes went out on a socket the server was closing (ECONNRESET). Idle
  // connections stay open longer than any client keeps them, as RingCentral's own front end does.
  server.keepAliveTimeout = IDLE_KEEPALIVE_MS;
  server.headersTimeout = IDLE_KEEPALIVE_MS + 1_000;
  return server;
}

/** How long an idle keep-alive connection stays open: longer than clients (and load balancers) keep one. */
export const IDLE_KEEPALIVE_MS = 65_000;

async function handle(ctx: SimContext, raw: IncomingMessage, res: ServerResponse): Promise<void> {
  const now = ctx.clock();
  const body = await readBody(raw);
  const url = new URL(raw.url ?? '/', ctx.world.ctx.origin);
  // Response URIs name the account by id even when the request said "~" (seed thread).
  url.pathname = url.pathname.replace(/^\/restapi\/v1\.0\/account\/~(?=\/|$)/, `/restapi/v1.0/account/${ctx.company.accountId}`);
  const method = raw.method ?? 'GET';
  const req: ApiRequest = { method, url, query: url.searchParams, headers: raw.headers, body, params: [], now };

  if (url.pathname.startsWith('/__sim/')) {
    ctx.counters.admin++;
    return send(ctx, res, admin(ctx, req), {});
  }

  let route: Route | undefined;
  for (const r of ROUTES) {
    const m = r.method === method ? r.pattern.exec(url.pathname) : null;
    if (m) {
      route = r;
      req.params = m.slice(1).map((p) => decodeURIComponent(p));
      break;
    }
  }
  const group: RateGroup = route?.group ?? 'Light';
  ctx.counters.requests[group]++;
  ctx.counters.endpoints[route?.family ?? 'unknown']++;
  const { response, rateHeaders } = gate(ctx, req, route, group);
  ctx.onRequest?.({ at: now, method, path: url.pathname, group, status: response.status });
  const delay = ctx.faults.takeDelay(group);
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  return send(ctx, res, response, rateHeaders);
}

/** Auth, rate limit, faults, then the handler. */
function gate(ctx: SimContext, req: ApiRequest, route: Route | undefined, group: RateGroup): { response: ApiResponse; rateHeaders: Record<string, string> } {
  if (route?.bearer) {
    const denied = checkBearer(ctx, req);
    // An unidentified caller is not charged to the user's bucket, but still sees its headers.
    if (denied) return { response: denied, rateHeaders: ctx.limiter.peek(group, req.now) };
  }
  if (ctx.faults.takeStorm(group)) {
    ctx.counters.rateLimited[group]++;
    return { response: json(429, RATE_EXCEEDED_BODY), rateHeaders: ctx.limiter.rejectHeaders(group) };
  }
  const decision = ctx.limiter.take(group, req.now);
  if (!decision.allowed) {
    ctx.counters.rateLimited[group]++;
    return { response: json(429, RATE_EXCEEDED_BODY), rateHeaders: decision.headers };
  }
  const rateHeaders = decision.headers;
  const injected = ctx.faults.takeServerError(group);
  if (injected === 503) {
    return { response: apiError(503, 'CMN-201', 'Service Temporarily Unavailable', undefined, { 'Retry-After': '1' }), rateHeaders };
  }
  if (injected === 500) return { response: apiError(500, 'CMN-203', 'Internal Server Error'), rateHeaders };
  if (!route) return { response: apiError(404, 'CMN-120', 'Invalid URI'), rateHeaders };
  if (route.bearer && req.params[0] !== undefined && !isOwnAccount(ctx, req.params[0])) {
    const response = apiError(404, 'CMN-102', 'Resource for parameter [accountId] is not found', {
      parameterName: 'accountId',
      parameterValue: req.params[0],
    });
    return { response, rateHeaders };
  }
  try {
    return { response: route.handler(ctx, req), rateHeaders };
  } catch (err) {
    if (err instanceof ParamError) return { response: err.toResponse(), rateHeaders };
    throw err;
  }
}

function checkBearer(ctx: SimContext, req: ApiRequest): ApiResponse | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return apiError(401, 'InvalidAuthorizationHeader', 'Invalid Authorization header', { errorCode: 'AGW-402' }, UNAUTHORIZED_HEADERS);
  const check = ctx.tokens.checkAccess(m[1] as string, req.now);
  if (check.ok) return undefined;
  if (check.reason === 'expired') {
    return apiError(401, 'TokenInvalid', 'Access token is expired', { errorCode: 'OAU-128' }, UNAUTHORIZED_HEADERS);
  }
  return apiError(401, 'TokenInvalid', 'Token not found', { errorCode: 'OAU-213' }, UNAUTHORIZED_HEADERS);
}

async function send(ctx: SimContext, res: ServerResponse, response: ApiResponse, rateHeaders: Record<string, string>): Promise<void> {
  ctx.counters.byStatus[response.status] = (ctx.counters.byStatus[response.status] ?? 0) + 1;
  const headers: Record<string, string> = {
    RCRequestId: randomUUID(),
    'Content-Type': 'application/json; charset=utf-8',
    ...rateHeaders,
    ...response.headers,
  };
  if (response.stream) {
    res.writeHead(response.status, headers);
    await response.stream(res);
    return;
  }
  const body = response.body;
  const payload = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
