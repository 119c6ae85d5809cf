/*
 * A CRM following callChanges over HTTP, as the README tells one to: keep endCursor, ask again. Each edge's
 * cursor is decoded to its position (the API's cursors are opaque to clients; tests may look inside) so a
 * test can check that positions only move forward and that no written change was passed over.
 */

export interface FeedPosition {
  xid: bigint;
  seq: bigint;
}

export interface Delivery {
  position: FeedPosition;
  id: string;
  updatedAt: string;
}

export interface FeedAnswer {
  status: number;
  retryAfter: string | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  deliveries: Delivery[];
  hasNextPage: boolean;
  endCursor: string | undefined;
}

/** The position inside a feed cursor (base64url of `feed:<xid>:<seq>`). */
export function feedPosition(cursor: string): FeedPosition {
  const match = /^feed:(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new Error(`not a feed cursor: ${cursor}`);
  return { xid: BigInt(match[1]!), seq: BigInt(match[2]!) };
}

export const isBefore = (a: FeedPosition, b: FeedPosition) => a.xid < b.xid || (a.xid === b.xid && a.seq < b.seq);

/** One page of callChanges from the API at `baseUrl`. */
export async function feedPage(baseUrl: string, key: string, after: string | null, first = 50): Promise<FeedAnswer> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: 'query($after: String, $first: Int) { callChanges(after: $after, first: $first) { edges { cursor node { id updatedAt } } pageInfo { hasNextPage endCursor } } }',
      variables: { after, first },
    }),
  });
  const body = (await res.json()) as { data?: { callChanges: { edges: Array<{ cursor: string; node: { id: string; updatedAt: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } | null }; errors?: FeedAnswer['errors'] };
  const feed = body.data?.callChanges;
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    ...(body.errors ? { errors: body.errors } : {}),
    deliveries: (feed?.edges ?? []).map((e) => ({ position: feedPosition(e.cursor), id: e.node.id, updatedAt: e.node.updatedAt })),
    hasNextPage: feed?.pageInfo.hasNextPage ?? false,
    endCursor: feed?.pageInfo.endCursor,
  };
}

/** Delivered positions that do not come strictly after the one before: a repeat or a step back. */
export function outOfOrder(deliveries: Delivery[]): Delivery[] {
  return deliveries.filter((d, i) => i > 0 && !isBefore(deliveries[i - 1]!.position, d.position));
}
