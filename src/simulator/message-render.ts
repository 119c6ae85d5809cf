// Turns a stored voicemail and the clock into the JSON RingCentral serves (GetMessageInfoResponse,
// api-notes §4.4; field order as in the seed thread's payload), and into attachment content: a tiny
// MP3 stand-in for the recording and a text transcript once transcription has finished.

import type { Company } from './company.ts';
import { int64 } from './int64-json.ts';
import type { MessageState, StoredMessage } from './mailbox.ts';
import type { MessageAttachmentJson, MessageJson, MessageStubJson } from './types-messages.ts';

export function messageBase(origin: string, company: Company, m: StoredMessage): string {
  return `${origin}/restapi/v1.0/account/${company.accountId}/extension/${m.mailbox.id}/message-store/${m.id}`;
}

/** Only id and availability: ISync's form of deleted/purged messages, and all that is left once purged. */
export function messageStub(m: StoredMessage, availability: 'Deleted' | 'Purged'): MessageStubJson {
  return { id: int64(m.id), availability };
}

/** The message as GET …/message-store/{id} serves it at state `s`. */
export function messageJson(origin: string, company: Company, m: StoredMessage, s: MessageState): MessageJson | MessageStubJson {
  if (s.availability === 'Purged') return messageStub(m, 'Purged');
  const base = messageBase(origin, company, m);
  return {
    uri: base,
    id: int64(m.id),
    extensionId: String(m.mailbox.id),
    to: [{ ...m.to }],
    from: { ...m.from },
    type: 'VoiceMail',
    creationTime: new Date(m.creationMs).toISOString(),
    readStatus: s.readStatus,
    priority: m.priority,
    attachments: attachments(base, m, s),
    direction: 'Inbound',
    availability: s.availability,
    messageStatus: 'Received',
    lastModifiedTime: new Date(s.lastModifiedMs).toISOString(),
    vmTranscriptionStatus: s.transcription,
  };
}

function hasTranscript(s: MessageState): boolean {
  return s.transcription === 'Completed' || s.transcription === 'CompletedPartially';
}

/** The transcript attachment's id: RingCentral gives it its own id; here the message id + 1. */
function transcriptId(m: StoredMessage): string {
  return String(BigInt(m.id) + 1n);
}

function attachments(base: string, m: StoredMessage, s: MessageState): MessageAttachmentJson[] {
  // RingCentral serves media from media.ringcentral.com; the simulator is its own media host.
  const list: MessageAttachmentJson[] = [
    {
      id: int64(m.id),
      uri: `${base}/content/${m.id}`,
      type: 'AudioRecording',
      contentType: 'audio/mpeg',
      vmDuration: m.vmDuration,
      fileName: `voicemail-${m.id}.mp3`,
      size: audioSize(m),
    },
  ];
  if (hasTranscript(s)) {
    const id = transcriptId(m);
    list.push({ id: int64(id), uri: `${base}/content/${id}`, type: 'AudioTranscription', contentType: 'text/plain', fileName: `transcription-${m.id}.txt`, size: Buffer.byteLength(transcript(m, s)) });
  }
  return list;
}

export interface AttachmentContent {
  body: Buffer;
  contentType: string;
  fileName: string;
}

/** Content of attachment `attachmentId` at state `s`; undefined if the message has no such attachment now. */
export function attachmentContent(m: StoredMessage, s: MessageState, attachmentId: string): AttachmentContent | undefined {
  if (s.availability === 'Purged') return undefined;
  if (attachmentId === m.id) return { body: audio(m), contentType: 'audio/mpeg', fileName: `voicemail-${m.id}.mp3` };
  if (hasTranscript(s) && attachmentId === transcriptId(m)) {
    return { body: Buffer.from(transcript(m, s)), contentType: 'text/plain', fileName: `transcription-${m.id}.txt` };
  }
  return undefined;
}

/** The transcript's text at state `s` (what its attachment serves), or null while it has none. */
export function transcriptText(m: StoredMessage, s: MessageState): string | null {
  return s.availability !== 'Purged' && hasTranscript(s) ? transcript(m, s) : null;
}

/** CompletedPartially: RingCentral made out only part of the message; here its first sentence and a half. */
function transcript(m: StoredMessage, s: MessageState): string {
  const number = m.from.phoneNumber && !m.from.phoneNumber.includes('X') ? ` at ${m.from.phoneNumber}` : '';
  if (s.transcription === 'CompletedPartially') return `Hi, this is a message for ${m.mailbox.name}. Please call me`;
  return `Hi, this is a message for ${m.mailbox.name}. Please call me back${number}. Thanks, bye.`;
}

/**
 * A few silent MPEG-1 Layer III frames behind an ID3v2.3 tag naming the message: a valid, tiny
 * stand-in (not the real length) so clients can exercise downloads without megabytes of audio.
 */
function audio(m: StoredMessage): Buffer {
  const title = Buffer.from(audioTitle(m), 'latin1');
  const frameHeader = Buffer.alloc(10);
  frameHeader.write('TIT2', 0, 'latin1');
  frameHeader.writeUInt32BE(title.length + 1, 4);
  const tagBody = Buffer.concat([frameHeader, Buffer.from([0]), title]);
  const tagHeader = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]);
  // ID3 sizes are "syncsafe": 7 bits per byte.
  const size = tagBody.length;
  tagHeader[6] = (size >> 21) & 0x7f;
  tagHeader[7] = (size >> 14) & 0x7f;
  tagHeader[8] = (size >> 7) & 0x7f;
  tagHeader[9] = size & 0x7f;
  const frame = Buffer.alloc(FRAME_BYTES);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return Buffer.concat([tagHeader, tagBody, ...Array.from({ length: audioFrames(m) }, () => frame)]);
}

// 128 kbit/s, 44.1 kHz, no padding: 417-byte frames.
const FRAME_BYTES = 417;

function audioTitle(m: StoredMessage): string {
  return `Voicemail ${m.id}`;
}

function audioFrames(m: StoredMessage): number {
  return Math.max(1, Math.min(8, m.vmDuration));
}

/** audio(m).length without building it. */
function audioSize(m: StoredMessage): number {
  return 10 + 10 + 1 + audioTitle(m).length + audioFrames(m) * FRAME_BYTES;
}
