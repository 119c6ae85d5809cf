import DataLoader from 'dataloader';
import { transcriptsOf, type TranscriptKey } from '../store/voicemail-transcripts.ts';
import type { ApiContext } from './context.ts';
import type { VoicemailNode } from './shapes.ts';

/**
 * Voicemail.transcript: a loader of its own, so the text (up to 64 KiB a voicemail) is read only when a
 * query selects it, every voicemail of the request in one statement.
 */

const keyOf = (k: TranscriptKey) => `${k.accountId}\u0000${k.voicemailId}`;
const perRequest = new WeakMap<ApiContext, DataLoader<TranscriptKey, string | null, string>>();

function loaderOf(context: ApiContext): DataLoader<TranscriptKey, string | null, string> {
  let loader = perRequest.get(context);
  if (!loader) {
    loader = new DataLoader<TranscriptKey, string | null, string>(
      async (keys) => {
        const texts = new Map((await transcriptsOf(context.database, context.scope, keys)).map((r) => [keyOf(r), r.text]));
        return keys.map((k) => texts.get(keyOf(k)) ?? null);
      },
      { cacheKeyFn: keyOf },
    );
    perRequest.set(context, loader);
  }
  return loader;
}

/** The stored transcript of a voicemail, or null (none yet, none to come, or a stub). */
export function transcriptOf(voicemail: VoicemailNode, context: ApiContext): Promise<string | null> {
  return loaderOf(context).load({ accountId: voicemail.accountId, voicemailId: String(voicemail.id) });
}
