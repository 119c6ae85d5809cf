import type { Logger } from '../logger.ts';
import type { SecretKeyring } from '../secrets/box.ts';
import { linkSigner } from '../secrets/signed-links.ts';
import type { Database } from '../store/db.ts';
import { mediaLinks } from './links.ts';
import { createMediaRoute, type ArchivedMedia, type MediaRouteOptions } from './route.ts';
import type { MediaSource } from './source.ts';

/** What the API server needs to serve /media and sign audioUrl (built by media/connect.ts). */
export interface MediaServerOptions {
  /** RingCentral, or why this process cannot reach it. */
  source: MediaSource | { unavailable: string };
  /** The process's keyring (secrets/keys.ts): links signed by one process open in every process sharing it. */
  keyring: SecretKeyring;
  /** PUBLIC_BASE_URL; undefined: the server's own URL. */
  publicBaseUrl: string | undefined;
  linkTtlHours: number;
  archive?: ArchivedMedia | undefined;
}

/** The /media handler and the link maker GraphQL's audioUrl uses (undefined without media options: audioUrl is null). */
export function mediaApi(options: MediaServerOptions | undefined, deps: { database: Database; authenticate: MediaRouteOptions['authenticate']; logger: Logger; serverUrl: () => string }) {
  const signer = options ? linkSigner(options.keyring) : undefined;
  const route = createMediaRoute({
    database: deps.database,
    authenticate: deps.authenticate,
    signer,
    source: options?.source ?? { unavailable: 'this server was started without media: audio is served by `callsync start` and `callsync serve`' },
    archive: options?.archive,
    logger: deps.logger.child({ component: 'media' }),
  });
  let warned = false;
  const baseUrl = () => {
    if (options?.publicBaseUrl) return options.publicBaseUrl;
    if (!warned) deps.logger.info({ url: deps.serverUrl() }, 'audioUrl links point at the server\'s own address; set PUBLIC_BASE_URL to the address CRMs reach callsync at');
    warned = true;
    return deps.serverUrl();
  };
  return { handle: route.handle, links: signer && options ? mediaLinks(signer, baseUrl, options.linkTtlHours) : undefined };
}
