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

function tryDecode(cursor: string, tag: string, shape: RegExp): RegExpExecArray | null {
  const text = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  return text.startsWith(`${tag}:`) && !text.includes('\u0000') ? shape.exec(text.slice(tag.length + 1)) : null;
}

function decode(cursor: string, tag: string, shape: RegExp, argument: string): RegExpExecArray {
  const match = tryDecode(cursor, tag, shape);
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

/*
 * Calls and voicemails are ordered by (time, id, account): ids are unique only per account. Their cursors
 * name the account under a tag of their own ("calla", "voicemaila"); a cursor of the older tag (no account)
 * still resumes where it did, after (time, id) in every account.
 */
const POSITION = /^(-?\d{1,19}):(.+)$/s;
const ACCOUNT_POSITION = /^(-?\d{1,19}):([^:]{1,64}):(.+)$/s;

export const callCursor = (at: Required<CallKeyset>) => encode(`calla:${at.startUs}:${at.accountId}:${at.id}`);
export function parseCallCursor(cursor: string): CallKeyset {
  const withAccount = tryDecode(cursor, 'calla', ACCOUNT_POSITION);
  if (withAccount) return { startUs: instantMicros(withAccount[1]!, cursor, 'after'), accountId: withAccount[2]!, id: withAccount[3]! };
  const [, startUs, id] = decode(cursor, 'call', POSITION, 'after');
  return { startUs: instantMicros(startUs!, cursor, 'after'), id: id! };
}

export const voicemailCursor = (at: Required<VoicemailKeyset>) => encode(`voicemaila:${at.creationUs}:${at.accountId}:${at.id}`);
export function parseVoicemailCursor(cursor: string): VoicemailKeyset {
  const withAccount = tryDecode(cursor, 'voicemaila', ACCOUNT_POSITION);
  if (withAccount) return { creationUs: instantMicros(withAccount[1]!, cursor, 'after'), accountId: withAccount[2]!, id: withAccount[3]! };
  const [, creationUs, id] = decode(cursor, 'voicemail', POSITION, 'after');
  return { creationUs: instantMicros(creationUs!, cursor, 'after'), id: id! };
}

export const feedCursor = (at: FeedPosition) => encode(`feed:${at.xid}:${at.seq}`);
export function parseFeedCursor(cursor: string): FeedPosition {
  const [, xid, seq] = decode(cursor, 'feed', /^(\d{1,20}):(\d{1,19})$/, 'after');
  if (BigInt(xid!) >= 2n ** 64n || BigInt(seq!) > BigInt(Number.MAX_SAFE_INTEGER)) throw notACursor(cursor, 'after');
  return { xid: xid!, seq: Number(seq) };
}
