import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL, served whole from this server: yoga's stock page loads its scripts, styles and editor workers from a
 * public CDN, which leaves a blank page on a machine without internet, where a poll-only service often runs.
 * The bundle is the one yoga itself publishes (@graphql-yoga/render-graphiql, released with graphql-yoga); it
 * inlines everything into one 9 MB page, so its parts are served here as files with long-lived caching instead,
 * and the page itself is a small shell.
 */

/** Where GraphiQL's files are served. The page at /graphql refers to them relative to itself (behind a proxy's prefix too). */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

const DEFAULT_QUERY = `# callsync GraphiQL, served by this server alone
# (no internet needed).
#
# Every request needs an API key. Create one on the
# server with
#
#     callsync api-key create --name NAME
#
# and put it in the Headers tab below, in place of
# the placeholder:
#
#     {"Authorization": "Bearer <your API key>"}
#
# The schema (docs, autocompletion) loads once the key
# is in: it is fetched again when the headers change,
# or with Shift-Ctrl-R. Run a query with Ctrl-Enter.

# The latest calls: how each ended, its voicemail
# and its recording.
query LatestCalls {
  calls(first: 10) {
    edges {
      node {
        id
        startTime
        direction
        from { phoneNumber name }
        to { phoneNumber name }
        disposition
        dispositionReason
        final
        extension { extensionNumber name }
        voicemail { id durationSeconds transcriptionStatus audioContentUri }
        recording { id type contentUri }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

/** The options yoga hands to renderGraphiQLPage: callsync's example query and the Authorization header to fill in. */
export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'callsync GraphiQL',
  defaultQuery: DEFAULT_QUERY,
  // Only for a first visit: GraphiQL keeps the headers the user typed in the browser's storage.
  defaultHeaders: JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2),
};

interface Asset {
  /** Hashed file name: its content never changes under it, so browsers may keep it for good. */
  name: string;
  type: string;
  body: Buffer;
  etag: string;
  gzipped?: Promise<Buffer>;
}

interface Assets {
  byName: Map<string, Asset>;
  script: Asset;
  style: Asset;
  favicon: Asset;
  /** Monaco's worker label → the worker's script. */
  workers: Record<string, Asset>;
}

let loaded: Promise<Assets> | undefined;

/** The bundle is 9 MB of strings: loaded on the first GraphiQL request, not by servers that only CRMs call. */
function assets(): Promise<Assets> {
  return (loaded ??= import('@graphql-yoga/render-graphiql/graphiql').then((bundle) => {
    const asset = (stem: string, ext: string, type: string, body: Buffer): Asset => {
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
      return { name: `${stem}.${hash}.${ext}`, type, body, etag: `"${hash}"` };
    };
    const js = (stem: string, text: string) => asset(stem, 'js', 'text/javascript; charset=utf-8', Buffer.from(text));
    const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(bundle.favicon);
    const result: Assets = {
      byName: new Map(),
      script: js('graphiql', bundle.js),
      style: asset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(bundle.css)),
      favicon: favicon ? asset('favicon', 'ico', favicon[1]!, Buffer.from(favicon[2]!, 'base64')) : asset('favicon', 'ico', 'image/x-icon', Buffer.alloc(0)),
      workers: { editorWorkerService: js('editor.worker', bundle.editorWorkerService), json: js('json.worker', bundle.jsonWorker), graphql: js('graphql.worker', bundle.graphqlWorker) },
    };
    for (const a of [result.script, result.style, result.favicon, ...Object.values(result.workers)]) result.byName.set(a.name, a);
    return result;
  }));
}

/** JSON that is safe inside an inline <script>: no "</script>" or "<!--" can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const attribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** yoga's `renderGraphiQL`: the page shell, loading GraphiQL's parts from GRAPHIQL_ASSETS_PATH on this server. */
export async function renderGraphiQLPage(options: GraphiQLOptions): Promise<string> {
  const { script, style, favicon, workers } = await assets();
  const base = `.${GRAPHIQL_ASSETS_PATH}`;
  const workerUrls = Object.fromEntries(Object.entries(workers).map(([label, a]) => [label, base + a.name]));
  const title = options.title ?? GRAPHIQL_OPTIONS.title!;
  // GraphiQL fetches the schema once, at start, with the headers then in the editor, and again only on Shift-Ctrl-R
  // (or its refresh button). A key typed in afterwards should not need that: once the edited headers are
  // valid JSON and stop changing, the same shortcut is sent for the user.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${attribute(title)}</title>
<link rel="icon" href="${base}${favicon.name}">
<link rel="stylesheet" href="${base}${style.name}">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root"></div>
<script>
const workerUrls = ${scriptJson(workerUrls)};
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => new URL(workerUrls[label], location.href).href };
</script>
<script src="${base}${script.name}"></script>
<script>
let refetch, lastHeaders;
const options = ${scriptJson(options)};
options.onEditHeaders = (headers) => {
  clearTimeout(refetch);
  refetch = setTimeout(() => {
    if (headers === lastHeaders) return;
    try { JSON.parse(headers); } catch { return; }
    lastHeaders = headers;
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'R', ctrlKey: true, shiftKey: true }));
  }, 600);
};
YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
</script>
</body>
</html>
`;
}

/** Whether a request path is one of GraphiQL's files (answered by serveGraphiQLAsset). */
export const isGraphiQLAssetPath = (path: string | undefined): path is string => path?.startsWith(GRAPHIQL_ASSETS_PATH) ?? false;

/**
 * Answers a request for one of GraphiQL's files: cached for a year (the name changes with the content), 304 to
 * a matching If-None-Match, gzipped where the browser accepts it (9 MB shrink to about a quarter).
 */
export async function serveGraphiQLAsset(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  try {
    await serveAsset(req, res, path);
  } catch (error) {
    // Only a broken install gets here (the bundle did not load) or a failing socket.
    if (res.headersSent) return void res.destroy();
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `GraphiQL's files cannot be served: ${(error as Error).message}; reinstall callsync's dependencies (npm ci)` }));
  }
}

async function serveAsset(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const asset = (await assets()).byName.get(path.slice(GRAPHIQL_ASSETS_PATH.length));
  if (!asset) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no such GraphiQL file: ${path}; open /graphql in a browser` }));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end(JSON.stringify({ error: `${req.method} is not allowed here; use GET` }));
    return;
  }
  const headers: Record<string, string> = {
    'content-type': asset.type,
    'cache-control': 'public, max-age=31536000, immutable',
    etag: asset.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  if ((req.headers['if-none-match'] ?? '').split(/\s*,\s*/).includes(asset.etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  let body = asset.body;
  if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    // Compressed once, on the first request that accepts it, off the event loop (zlib's thread pool).
    body = await (asset.gzipped ??= promisify(gzip)(asset.body));
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = String(body.length);
  res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
}
