import type { ApiContext } from './context.ts';
import type { RecordingNode, VoicemailNode } from './shapes.ts';

/** audioUrl on Voicemail and Recording: signed links to the server's /media (null when it signs none). */
export const mediaResolvers = {
  Voicemail: {
    audioUrl: (voicemail: VoicemailNode, _: unknown, context: ApiContext) =>
      context.media && voicemail.readable === true && voicemail.audioContentUri && typeof voicemail.id === 'string' ? context.media.url('voicemails', voicemail.accountId, voicemail.id) : null,
  },
  Recording: {
    audioUrl: (recording: RecordingNode, _: unknown, context: ApiContext) =>
      context.media && typeof recording.id === 'string' && typeof recording.accountId === 'string' ? context.media.url('recordings', recording.accountId, recording.id) : null,
  },
};
