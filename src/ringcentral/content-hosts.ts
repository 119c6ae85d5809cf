/**
 * Whether a content URI RingCentral handed out may receive callsync's access token. RingCentral serves
 * attachments from its media host (media.ringcentral.com, api-notes §4.4, §5), so the API server's origin
 * alone is not enough; anything else — a URI a payload could carry to any host — would leak the token.
 */
export function isRingCentralUri(uri: string, serverUrl: string): boolean {
  let target: URL;
  let server: URL;
  try {
    target = new URL(uri);
    server = new URL(serverUrl);
  } catch {
    return false;
  }
  if (target.origin === server.origin) return true;
  const host = target.hostname.toLowerCase();
  return target.protocol === 'https:' && (host === 'ringcentral.com' || host.endsWith('.ringcentral.com'));
}
