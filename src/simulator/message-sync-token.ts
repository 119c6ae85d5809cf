// Opaque, signed message-sync tokens. A token names the mailbox, the instant up to which changes
// were reported and the message types asked for at FSync. Tampered tokens, another mailbox's tokens,
// tokens older than TOKEN_TTL_MS and tokens issued before invalidateAll() all fail the same way
// RingCentral fails them: 400 MSG-333, "full synchronization is required" (api-notes §4.3, §7.2).

import { createHmac, randomBytes } from 'node:crypto';
import { TOKEN_TTL_MS } from './sync-token.ts';

export interface MessageSyncCursor {
  mailboxId: number;
  /** Changes visible after this instant (minus the overlap) come next. */
  position: number;
  /** Message types asked for at FSync (undefined = all). */
  types?: string[];
}

interface Payload {
  x: number;
  p: number;
  t?: string[];
  e: number;
  i: number;
}

/** Issues and checks message-sync tokens. */
export class MessageSyncTokens {
  private readonly secret = randomBytes(16);
  /** Bumped by invalidateAll(); tokens carry the epoch they were issued in. */
  private epoch = 1;

  issue(cursor: MessageSyncCursor, now: number): string {
    const payload: Payload = { x: cursor.mailboxId, p: cursor.position, e: this.epoch, i: now };
    if (cursor.types) payload.t = cursor.types;
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The cursor of a token valid for `mailboxId`, or undefined (→ MSG-333). */
  check(token: string, mailboxId: number, now: number): MessageSyncCursor | undefined {
    const [body, sig] = token.split('.');
    if (!body || !sig || sig !== this.sign(body)) return undefined;
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return undefined;
    }
    if (payload.e !== this.epoch || now - payload.i > TOKEN_TTL_MS || payload.x !== mailboxId) return undefined;
    return { mailboxId: payload.x, position: payload.p, types: payload.t };
  }

  invalidateAll(): void {
    this.epoch++;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(`msg.${body}`).digest('base64url').slice(0, 22);
  }
}
