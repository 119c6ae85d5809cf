// POST /restapi/oauth/token and /restapi/oauth/revoke (api-notes §1). Form bodies, client
// authentication by `Authorization: Basic base64(clientId:clientSecret)`, OAuth-shaped errors.

import type { SimContext } from './context.ts';
import { json, oauthError, type ApiRequest, type ApiResponse } from './http.ts';
import type { Session, Ttls } from './auth.ts';

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SCOPE = 'ReadAccounts ReadCallLog ReadCallRecording ReadMessages';
// Documented ranges of the optional TTL parameters (BaseTokenRequest).
const ACCESS_TTL = { min: 600, max: 3600 };
const REFRESH_TTL = { min: 1, max: 2_592_000 };

function form(req: ApiRequest): URLSearchParams {
  return new URLSearchParams(req.body.toString('utf8'));
}

/** Checks the Basic client credentials; returns an error response when they are missing or wrong. */
function clientAuthError(ctx: SimContext, req: ApiRequest): ApiResponse | undefined {
  const header = req.headers.authorization ?? '';
  const m = /^Basic\s+(.+)$/i.exec(header);
  if (!m) return oauthError(401, 'invalid_client', 'OAU-123', 'Client authentication is required');
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  const id = decoded.slice(0, sep);
  const secret = decoded.slice(sep + 1);
  if (sep < 0 || id !== ctx.credentials.clientId || secret !== ctx.credentials.clientSecret) {
    return oauthError(401, 'invalid_client', 'OAU-123', 'Invalid client credentials');
  }
  return undefined;
}

/**
 * A requested TTL clamped to the documented range; the server setting is the default and, when set
 * below the documented minimum (tests that want quick expiry), also the ceiling.
 */
function ttl(requested: string | null, serverSec: number, range: { min: number; max: number }): number {
  const n = requested ? Number(requested) : NaN;
  const chosen = Number.isFinite(n) ? Math.min(range.max, Math.max(range.min, Math.floor(n))) : serverSec;
  return serverSec < range.min ? Math.min(chosen, serverSec) : chosen;
}

function tokenInfo(ctx: SimContext, s: Session): ApiResponse {
  return json(200, {
    access_token: s.accessToken,
    token_type: 'bearer',
    expires_in: s.accessTtlSec,
    refresh_token: s.refreshToken,
    refresh_token_expires_in: s.refreshTtlSec,
    scope: SCOPE,
    owner_id: String(ctx.company.admin.id),
    endpoint_id: s.endpointId,
    session_id: s.id,
  });
}

/** POST /restapi/oauth/token: JWT and refresh_token grants. */
export function token(ctx: SimContext, req: ApiRequest): ApiResponse {
  const denied = clientAuthError(ctx, req);
  if (denied) {
    ctx.counters.tokenErrors++;
    return denied;
  }
  const body = form(req);
  const ttls: Ttls = {
    accessTtlSec: ttl(body.get('access_token_ttl'), ctx.ttl.accessSec, ACCESS_TTL),
    refreshTtlSec: ttl(body.get('refresh_token_ttl'), ctx.ttl.refreshSec, REFRESH_TTL),
  };
  const grant = body.get('grant_type');
  let result: ApiResponse;
  if (grant === JWT_GRANT) {
    if (body.get('assertion') !== ctx.credentials.jwt) {
      result = oauthError(400, 'invalid_grant', 'OAU-140', 'Invalid resource owner credentials');
    } else {
      ctx.counters.tokenGrants.jwt++;
      result = tokenInfo(ctx, ctx.tokens.open(ttls, req.now));
    }
  } else if (grant === 'refresh_token') {
    const refreshed = ctx.tokens.refresh(body.get('refresh_token') ?? '', ttls, req.now);
    if (refreshed.ok) {
      ctx.counters.tokenGrants.refresh_token++;
      result = tokenInfo(ctx, refreshed.session);
    } else if (refreshed.reason === 'expired') {
      result = oauthError(400, 'invalid_grant', 'OAU-210', 'Token expired');
    } else {
      // Used, revoked or unknown refresh tokens: RingCentral answers "Token is revoked".
      result = oauthError(400, 'invalid_grant', 'OAU-211', 'Token is revoked');
    }
  } else if (!grant) {
    result = oauthError(400, 'invalid_request', 'OAU-101', 'Parameter [grant_type] is invalid');
  } else {
    result = oauthError(400, 'unauthorized_client', 'OAU-251', 'Unauthorized for this grant type');
  }
  if (result.status !== 200) ctx.counters.tokenErrors++;
  return result;
}

/** POST /restapi/oauth/revoke: ends the session owning `token`. */
export function revoke(ctx: SimContext, req: ApiRequest): ApiResponse {
  const denied = clientAuthError(ctx, req);
  if (denied) return denied;
  const tokenValue = form(req).get('token') ?? '';
  // Revoking any token of a session ends the whole session; unknown tokens are not an error.
  if (ctx.tokens.revoke(tokenValue)) ctx.counters.revocations++;
  return { status: 200, body: '' };
}
