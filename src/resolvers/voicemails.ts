import { findVoicemails } from '../store/voicemail-reads.ts';
import { checkInterval, narrowScope, pageSize } from './arguments.ts';
import type { ApiContext } from './context.ts';
import { parseVoicemailCursor, voicemailCursor } from './cursors.ts';
import { loadersOf } from './loaders.ts';
import { toVoicemail, type VoicemailNode } from './shapes.ts';
import { transcriptOf } from './transcripts.ts';

/** Query.voicemail, Query.voicemails (newest first) and the Voicemail fields that live in other tables. */

interface VoicemailFilterArgument {
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  extensionId?: string | null;
  linked?: boolean | null;
  accountId?: string | null;
}

export const voicemailResolvers = {
  Query: {
    voicemail: (_: unknown, args: { id: string; accountId?: string | null }, context: ApiContext) => loadersOf(context).voicemailById.load({ id: args.id, accountId: args.accountId ?? undefined }),

    async voicemails(_: unknown, args: { filter?: VoicemailFilterArgument | null; first?: number | null; after?: string | null }, context: ApiContext) {
      const first = pageSize(args.first, 50, context.limits.maxPageSize);
      const f = args.filter;
      checkInterval(f?.createdAfter ?? undefined, f?.createdBefore ?? undefined, ['createdAfter', 'createdBefore']);
      const after = args.after != null ? parseVoicemailCursor(args.after) : null;
      const page = await findVoicemails(context.database, narrowScope(context.scope, f?.accountId), {
        createdAfter: f?.createdAfter ?? undefined,
        createdBefore: f?.createdBefore ?? undefined,
        extensionId: f?.extensionId ?? undefined,
        linked: f?.linked ?? undefined,
      }, after, first);
      const edges = page.rows.map((row) => {
        const node = toVoicemail(row);
        return { cursor: voicemailCursor(node.cursorAt), node };
      });
      return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? args.after ?? null } };
    },
  },

  Voicemail: {
    call: (voicemail: VoicemailNode, _: unknown, context: ApiContext) => (voicemail.callKey ? loadersOf(context).call.load(voicemail.callKey) : null),
    transcript: (voicemail: VoicemailNode, _: unknown, context: ApiContext) => transcriptOf(voicemail, context),
  },
};
