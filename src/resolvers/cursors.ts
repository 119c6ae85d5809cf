import type { FeedPosition } from '../store/call-feed.ts';
import type { CallKeyset } from '../store/call-reads.ts';
import type { VoicemailKeyset } from '../store/voicemail-reads.ts';
import { badInput } from './errors.ts';

/*
 * Opaque cursors: base64url of a tagged position, so a cursor of one connection is refused by another
 * and a client cannot come to depend on the inside. A cursor that does not decode is a BAD_USER_INPUT.
 */

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function decode(cursor: string, tag: string, shape: RegExp, argument: string): RegExpExecArray {
  const text = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = text.startsWith(`${tag}:`) ? shape.exec(text.slice(tag.length + 1)) : null;
  if (!match) throw badInput(`"${cursor}" is not a cursor of this connection: pass an endCursor or cursor this field returned`, argument);
  return match;
}

export const callCursor = (at: CallKeyset) => encode(`call:${at.startUs}:${at.id}`);
export function parseCallCursor(cursor: string): CallKeyset {
  const [, startUs, id] = decode(cursor, 'call', /^(-?\d{1,19}):(.+)$/s, 'after');
  return { startUs: startUs!, id: id! };
}

export const voicemailCursor = (at: VoicemailKeyset) => encode(`voicemail:${at.creationUs}:${at.id}`);
export function parseVoicemailCursor(cursor: string): VoicemailKeyset {
  const [, creationUs, id] = decode(cursor, 'voicemail', /^(-?\d{1,19}):(.+)$/s, 'after');
  return { creationUs: creationUs!, id: id! };
}

export const feedCursor = (at: FeedPosition) => encode(`feed:${at.xid}:${at.seq}`);
export function parseFeedCursor(cursor: string): FeedPosition {
  const [, xid, seq] = decode(cursor, 'feed', /^(\d{1,20}):(\d{1,19})$/, 'after');
  if (BigInt(xid!) >= 2n ** 64n || BigInt(seq!) > BigInt(Number.MAX_SAFE_INTEGER)) throw badInput(`"${cursor}" is not a cursor of this connection`, 'after');
  return { xid: xid!, seq: Number(seq) };
}
