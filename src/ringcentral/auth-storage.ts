/**
 * The RingCentral session (the SDK's auth data: access and refresh token) is one per credential for every
 * process on a database. Refresh tokens are single use and a refresh kills the access token issued with
 * the old one (api-notes §1.2, §11), so two processes refreshing on their own would log each other out and
 * fall back to JWT logins (5 a minute, about 5 live sessions a user). Each process keeps a copy in memory
 * for speed; whenever that copy is unusable it takes the credential's lock, re-reads the stored session,
 * and only then decides: adopt what another process stored, refresh, or log in.
 */

/** The SDK's auth data lives under this key of its storage (Cache prefix `rc-` + Platform cache id). */
const AUTH_KEY = 'rc-platform';

/** The SDK treats an access token as expired this long before it does (its default, passed explicitly). */
export const REFRESH_HANDICAP_MS = 60_000;

/** The stored session of one credential, read and written while its lock is held. */
export interface LockedSession {
  read(): Promise<Record<string, string>>;
  write(data: Record<string, string>): Promise<void>;
}

/**
 * Where the session is shared: `withLock` runs `fn` while no other process (nor another client of this
 * process) on the same database holds the credential's lock, and waits for it otherwise.
 */
export interface SharedSession {
  withLock<T>(fn: (session: LockedSession) => Promise<T>): Promise<T>;
}

/** The SDK's `localStorage`: memory only. The client saves and adopts whole snapshots under the lock. */
export class AuthStorage {
  private data: Record<string, string> = {};

  getItem(key: string): string | null {
    return this.data[key] ?? null;
  }

  setItem(key: string, value: string): void {
    this.data[key] = value;
  }

  removeItem(key: string): void {
    delete this.data[key];
  }

  keys(): string[] {
    return Object.keys(this.data);
  }

  snapshot(): Record<string, string> {
    return { ...this.data };
  }

  /** Takes over a stored session without writing anything. */
  replace(data: Record<string, string>): void {
    this.data = { ...data };
  }
}

interface Tokens {
  accessToken: string;
  expireTime: number;
  refreshToken: string;
  refreshExpireTime: number;
}

/** The tokens in a storage snapshot; empty when there is no session (or one the SDK did not write). */
export function tokensOf(data: Record<string, string>): Tokens {
  let auth: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(data[AUTH_KEY] ?? '{}');
    if (parsed && typeof parsed === 'object') auth = parsed as Record<string, unknown>;
  } catch {
    // Unreadable: no session.
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    accessToken: str(auth.access_token),
    expireTime: num(auth.expire_time),
    refreshToken: str(auth.refresh_token),
    refreshExpireTime: num(auth.refresh_token_expire_time),
  };
}

/**
 * An access token fit for a request: present, not due for refresh by the SDK's rule, and not one a request
 * was just refused with (another process may have refreshed it away).
 */
export function accessUsable(data: Record<string, string>, rejectedAccessToken: string | undefined, now: number): boolean {
  const t = tokensOf(data);
  return t.accessToken !== '' && t.accessToken !== rejectedAccessToken && t.expireTime - REFRESH_HANDICAP_MS > now;
}

export interface SessionDecision {
  /** Take the stored session over the held one (it differs): another process refreshed or logged in. */
  adopt: boolean;
  /** Then: send requests with it as is, refresh it, or log in with the JWT. */
  action: 'use' | 'refresh' | 'login';
}

/**
 * What to do, under the lock, with the freshly read stored session. The stored session is the current one:
 * when another process refreshed since this one last looked, the held refresh token is spent. So a grant
 * is only asked for on the stored session's behalf, and only when it cannot be used as it is. Only when
 * nothing at all is stored (a new database, a deleted row) does the held session count.
 */
export function sessionAction(stored: Record<string, string>, held: Record<string, string>, rejectedAccessToken: string | undefined, now: number): SessionDecision {
  const s = tokensOf(stored);
  const h = tokensOf(held);
  // A session dropped after its refresh token was refused is stored with empty tokens: that is not "none".
  const storedEmpty = stored[AUTH_KEY] === undefined;
  const adopt = !storedEmpty && (s.accessToken !== h.accessToken || s.refreshToken !== h.refreshToken);
  const current = storedEmpty ? held : stored;
  const t = storedEmpty ? h : s;
  if (accessUsable(current, rejectedAccessToken, now)) return { adopt, action: 'use' };
  return { adopt, action: t.refreshToken !== '' && t.refreshExpireTime > now ? 'refresh' : 'login' };
}
