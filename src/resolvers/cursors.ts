import type { FeedPosition } from '../store/call-feed.ts';
import type { CallKeyset } from '../store/call-reads.ts';
import type { VoicemailKeyset } from '../store/voicemail-reads.ts';
import { badInput } from './errors.ts';

/*
 * Opaque cursors: base64url of a tagged position, so a cursor of one connection is refused by another
 * and a client cannot come to depend on the inside. A cursor that does not decode is a BAD_USER_INPUT.
 */

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

const notACursor = (cursor: string, argument: string) =>
  badInput(`"${cursor}" is not a cursor of this connection: pass an endCursor or cursor this field returned`, argument);

function decode(cursor: string, tag: string, shape: RegExp, argument: string): RegExpExecArray {
  const text = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = text.startsWith(`${tag}:`) && !text.includes('\u0000') ? shape.exec(text.slice(tag.length + 1)) : null;
  if (!match) throw notACursor(cursor, argument);
  return match;
}

/** Microseconds since the epoch of 0001-01-01 and 9999-12-31T23:59:59.999999Z: every instant we store lies between. */
const FIRST_US = -62_135_596_800_000_000n;
const LAST_US = 253_402_300_799_999_999n;

function instantMicros(us: string, cursor: string, argument: string): string {
  if (BigInt(us) < FIRST_US || BigInt(us) > LAST_US) throw notACursor(cursor, argument);
  return us;
}

export const callCursor = (at: CallKeyset) => encode(`call:${at.startUs}:${at.id}`);
export function parseCallCursor(cursor: string): CallKeyset {
  const [, startUs, id] = decode(cursor, 'call', /^(-?\d{1,19}):(.+)$/s, 'after');
  return { startUs: instantMicros(startUs!, cursor, 'after'), id: id! };
}

export const voicemailCursor = (at: VoicemailKeyset) => encode(`voicemail:${at.creationUs}:${at.id}`);
export function parseVoicemailCursor(cursor: string): VoicemailKeyset {
  const [, creationUs, id] = decode(cursor, 'voicemail', /^(-?\d{1,19}):(.+)$/s, 'after');
  return { creationUs: instantMicros(creationUs!, cursor, 'after'), id: id! };
}

export const feedCursor = (at: FeedPosition) => encode(`feed:${at.xid}:${at.seq}`);
export function parseFeedCursor(cursor: string): FeedPosition {
  const [, xid, seq] = decode(cursor, 'feed', /^(\d{1,20}):(\d{1,19})$/, 'after');
  if (BigInt(xid!) >= 2n ** 64n || BigInt(seq!) > BigInt(Number.MAX_SAFE_INTEGER)) throw notACursor(cursor, 'after');
  return { xid: xid!, seq: Number(seq) };
}
