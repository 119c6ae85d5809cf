import type { GraphQLResolveInfo } from 'graphql';
import { FEED_START, readCallChanges } from '../store/call-feed.ts';
import { callsByKeys, findCalls, type CallFilter } from '../store/call-reads.ts';
import { checkInterval, narrowScope, pageSize, phoneArgument } from './arguments.ts';
import { badInput, retryLater } from './errors.ts';
import type { ApiContext } from './context.ts';
import { callCursor, feedCursor, parseCallCursor, parseFeedCursor } from './cursors.ts';
import { keyOf, loadersOf } from './loaders.ts';
import { selectionAt } from './lookahead.ts';
import { toCall, type CallNode, type LegNode } from './shapes.ts';

/** Query.call, Query.calls, Query.callChanges and the fields of Call and CallLeg that live in other tables. */

interface CallFilterArgument {
  startedAfter?: Date | null;
  startedBefore?: Date | null;
  direction?: 'INBOUND' | 'OUTBOUND' | null;
  dispositions?: string[] | null;
  extensionId?: string | null;
  phoneNumber?: string | null;
  sessionId?: string | null;
  telephonySessionId?: string | null;
  hasVoicemail?: boolean | null;
  hasRecording?: boolean | null;
  final?: boolean | null;
  calledBack?: boolean | null;
  includeDeleted?: boolean | null;
  accountId?: string | null;
}

/** GraphQL's nulls mean "no condition", like an absent field. */
function toFilter(f: CallFilterArgument | null | undefined): CallFilter {
  const v = <T>(x: T | null | undefined) => x ?? undefined;
  checkInterval(v(f?.startedAfter), v(f?.startedBefore), ['startedAfter', 'startedBefore']);
  return {
    startedAfter: v(f?.startedAfter),
    startedBefore: v(f?.startedBefore),
    direction: f?.direction ? (f.direction === 'INBOUND' ? 'Inbound' : 'Outbound') : undefined,
    dispositions: v(f?.dispositions),
    extensionId: v(f?.extensionId),
    phoneNumber: f?.phoneNumber != null ? phoneArgument(f.phoneNumber) : undefined,
    sessionId: v(f?.sessionId),
    telephonySessionId: v(f?.telephonySessionId),
    hasVoicemail: v(f?.hasVoicemail),
    hasRecording: v(f?.hasRecording),
    final: v(f?.final),
    calledBack: v(f?.calledBack),
    includeDeleted: f?.includeDeleted ?? false,
  };
}

/** What a connection's nodes are asked for: the page statement reads exactly that. */
const nodeSelection = (info: GraphQLResolveInfo) => selectionAt(info, ['edges', 'node']);

/** A standby not yet replayed up to the cursor: nothing is lost by waiting (store/call-feed.ts). */
const replicaBehind = (after: string) =>
  retryLater(
    `this server reads a replica that has not yet replayed up to "${after}" (a cursor from the primary or from a replica further ahead): nothing is lost, ask again shortly or send this follower's requests to one server. If it persists, the cursor comes from another callsync database: follow the feed again from the start (omit after)`,
    'REPLICA_BEHIND_CURSOR',
    5,
    'after',
  );

export const callResolvers = {
  Query: {
    call: (_: unknown, args: { id: string; accountId?: string | null }, context: ApiContext) => loadersOf(context).callById.load({ id: args.id, accountId: args.accountId ?? undefined }),

    async calls(
      _: unknown,
      args: { filter?: CallFilterArgument | null; orderBy?: 'START_TIME_DESC' | 'START_TIME_ASC' | null; first?: number | null; after?: string | null },
      context: ApiContext,
      info: GraphQLResolveInfo,
    ) {
      const first = pageSize(args.first, 50, context.limits.maxPageSize);
      const filter = toFilter(args.filter);
      const after = args.after != null ? parseCallCursor(args.after) : null;
      const scope = narrowScope(context.scope, args.filter?.accountId);
      const page = await findCalls(context.database, scope, filter, args.orderBy === 'START_TIME_ASC' ? 'asc' : 'desc', after, first, nodeSelection(info));
      // Nodes hold only the selected fields: never prime the call loader with them (voicemail.call may ask for others).
      const edges = page.rows.map((row) => {
        const node = toCall(row);
        return { cursor: callCursor(node.cursorAt), node };
      });
      return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? args.after ?? null } };
    },

    async callChanges(_: unknown, args: { after?: string | null; first?: number | null }, context: ApiContext, info: GraphQLResolveInfo) {
      const first = pageSize(args.first, 100, context.limits.maxPageSize);
      const after = args.after != null ? parseFeedCursor(args.after) : FEED_START;
      const feed = await readCallChanges(context.database, context.scope, after, first);
      if (feed.aheadOfFeed) {
        throw badInput(`"${args.after}" is ahead of this server's change feed: it comes from another callsync database, or this one was restored from an older backup. Follow the feed again from the start (omit after)`, 'after');
      }
      if (feed.behindCursor) throw replicaBehind(args.after!);
      const rows = await callsByKeys(context.database, context.scope, feed.entries.map((e) => ({ accountId: e.accountId, id: e.callId })), nodeSelection(info));
      const byKey = new Map(rows.map((row) => {
        const node = toCall(row);
        return [keyOf(node), node];
      }));
      // A feed row always names a stored call (calls are never hard-deleted); skip defensively if not.
      const edges = feed.entries.flatMap((entry) => {
        const node = byKey.get(keyOf({ accountId: entry.accountId, id: entry.callId }));
        return node ? [{ cursor: feedCursor(entry.position), node }] : [];
      });
      return { edges, pageInfo: { hasNextPage: feed.hasMore, endCursor: feedCursor(feed.end) } };
    },
  },

  Call: {
    legs: (call: CallNode, _: unknown, context: ApiContext) => call.legs ?? loadersOf(context).legs.load(call),
    voicemail: (call: CallNode, _: unknown, context: ApiContext) => (call.voicemail !== undefined ? call.voicemail : loadersOf(context).voicemail.load(call)),
    recording: (call: CallNode, _: unknown, context: ApiContext) => (call.recording !== undefined ? call.recording : loadersOf(context).recording.load(call)),
    callback: (call: CallNode, _: unknown, context: ApiContext) => loadersOf(context).callback.load(call),
  },

  CallLeg: {
    // Legs are read with their recording whenever a query selects it (the page's selection, or legsOfCalls: all).
    recording: (leg: LegNode) => leg.recording ?? null,
  },
};
