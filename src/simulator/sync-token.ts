// Opaque, signed extract-sync tokens. A token carries the modification-time cursor and the options
// fixed at FSync (view, recordCount). Tokens from another simulator process, tampered tokens, tokens
// older than TOKEN_TTL_MS and tokens issued before invalidateSyncTokens() are refused with the
// CLG-10x errors RingCentral documents (api-notes §2.4, §7.2), forcing the client back to FSync.

import { createHmac, randomBytes } from 'node:crypto';

/** Token lifetime is undocumented; a day keeps normal polling working and lets tests see expiry. */
export const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export interface SyncCursor {
  /** Records modified strictly after this instant (epoch ms) come next. */
  position: number;
  view: 'Simple' | 'Detailed';
  recordCount: number;
}

export type TokenCheck =
  | { ok: true; cursor: SyncCursor }
  | { ok: false; errorCode: 'CLG-101' | 'CLG-103' | 'CLG-104'; message: string };

interface Payload {
  p: number;
  v: 'S' | 'D';
  n: number;
  e: number;
  i: number;
}

/** Issues and checks extract-sync tokens. */
export class SyncTokens {
  private readonly secret = randomBytes(16);
  /** Bumped by invalidateAll(); tokens carry the epoch they were issued in. */
  private epoch = 1;

  issue(cursor: SyncCursor, now: number): string {
    const payload: Payload = { p: cursor.position, v: cursor.view === 'Detailed' ? 'D' : 'S', n: cursor.recordCount, e: this.epoch, i: now };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  check(token: string, now: number): TokenCheck {
    const [body, sig] = token.split('.');
    if (!body || !sig || sig !== this.sign(body)) {
      return { ok: false, errorCode: 'CLG-101', message: 'Parameter [syncToken] value is invalid' };
    }
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return { ok: false, errorCode: 'CLG-101', message: 'Parameter [syncToken] value is invalid' };
    }
    if (payload.e !== this.epoch) {
      return { ok: false, errorCode: 'CLG-104', message: 'Parameter [syncToken] is invalid [Sync token expired, call log was reset]' };
    }
    if (now - payload.i > TOKEN_TTL_MS) {
      return { ok: false, errorCode: 'CLG-103', message: 'Parameter [syncToken] is invalid [Sync token expired]' };
    }
    return { ok: true, cursor: { position: payload.p, view: payload.v === 'D' ? 'Detailed' : 'Simple', recordCount: payload.n } };
  }

  invalidateAll(): void {
    this.epoch++;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
  }
}
