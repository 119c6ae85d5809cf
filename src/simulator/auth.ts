// OAuth sessions as RingCentral documents them (api-notes §1): a JWT grant opens a session with an
// access and a refresh token; refreshing rotates both (the old pair dies at once — single use);
// revoking any token kills the session; more than `maxSessions` parallel sessions for the user+app
// silently invalidate the oldest (the multi-container OAU-213 failure mode).
// RingCentral documents a grace (refresh-tokens.md): a spent refresh token is accepted again for ~10 s
// after the new access token is first used, answering with the same new pair. It is not modelled: here a
// spent refresh token is refused at once (OAU-211), so two processes refreshing the same session always
// show, instead of getting away with it when their refreshes fall within the grace.

import { randomBytes } from 'node:crypto';

export interface Session {
  id: string;
  endpointId: string;
  createdMs: number;
  accessToken: string;
  accessExpiresMs: number;
  accessTtlSec: number;
  refreshToken: string;
  refreshExpiresMs: number;
  refreshTtlSec: number;
}

export type AccessCheck = { ok: true; session: Session } | { ok: false; reason: 'invalid' | 'expired' };
export type RefreshResult = { ok: true; session: Session } | { ok: false; reason: 'invalid' | 'expired' };

export interface Ttls {
  accessTtlSec: number;
  refreshTtlSec: number;
}

/** Issued OAuth sessions and their tokens. */
export class TokenStore {
  private readonly byAccess = new Map<string, Session>();
  private readonly byRefresh = new Map<string, Session>();
  /** Live sessions, oldest first. */
  private readonly sessions: Session[] = [];

  constructor(private readonly maxSessions: number) {}

  /** Opens a session for a JWT login. */
  open(ttls: Ttls, now: number): Session {
    // Sessions whose refresh token has expired are dead and do not count against the cap.
    for (const s of this.sessions.filter((s) => s.refreshExpiresMs <= now)) this.kill(s);
    while (this.sessions.length >= this.maxSessions) {
      const oldest = this.sessions[0];
      if (oldest) this.kill(oldest);
    }
    const session: Session = {
      id: token(12),
      endpointId: token(16),
      createdMs: now,
      accessToken: '',
      accessExpiresMs: 0,
      accessTtlSec: ttls.accessTtlSec,
      refreshToken: '',
      refreshExpiresMs: 0,
      refreshTtlSec: ttls.refreshTtlSec,
    };
    this.sessions.push(session);
    this.issue(session, ttls, now);
    return session;
  }

  /** Exchanges a refresh token for a new pair; the old pair stops working. */
  refresh(refreshToken: string, ttls: Ttls, now: number): RefreshResult {
    const session = this.byRefresh.get(refreshToken);
    if (!session) return { ok: false, reason: 'invalid' };
    if (session.refreshExpiresMs <= now) return { ok: false, reason: 'expired' };
    this.byAccess.delete(session.accessToken);
    this.byRefresh.delete(session.refreshToken);
    this.issue(session, ttls, now);
    return { ok: true, session };
  }

  checkAccess(accessToken: string, now: number): AccessCheck {
    const session = this.byAccess.get(accessToken);
    if (!session) return { ok: false, reason: 'invalid' };
    if (session.accessExpiresMs <= now) return { ok: false, reason: 'expired' };
    return { ok: true, session };
  }

  /** Revokes the session that owns this access or refresh token; false if unknown. */
  revoke(anyToken: string): boolean {
    const session = this.byAccess.get(anyToken) ?? this.byRefresh.get(anyToken);
    if (!session) return false;
    this.kill(session);
    return true;
  }

  revokeAll(): void {
    for (const session of this.sessions.slice()) this.kill(session);
  }

  get activeSessions(): number {
    return this.sessions.length;
  }

  private issue(session: Session, ttls: Ttls, now: number): void {
    session.accessToken = token(32);
    session.refreshToken = token(32);
    session.accessTtlSec = ttls.accessTtlSec;
    session.refreshTtlSec = ttls.refreshTtlSec;
    session.accessExpiresMs = now + ttls.accessTtlSec * 1000;
    session.refreshExpiresMs = now + ttls.refreshTtlSec * 1000;
    this.byAccess.set(session.accessToken, session);
    this.byRefresh.set(session.refreshToken, session);
  }

  private kill(session: Session): void {
    this.byAccess.delete(session.accessToken);
    this.byRefresh.delete(session.refreshToken);
    const i = this.sessions.indexOf(session);
    if (i >= 0) this.sessions.splice(i, 1);
  }
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
