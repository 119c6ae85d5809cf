import { timingSafeEqual } from 'node:crypto';
import type { SecretKeyring } from './box.ts';

/** What a signed link's query adds: `exp` (Unix seconds) and `sig` (base64url HMAC-SHA256). */
export interface LinkSignature {
  exp: number;
  sig: string;
}

export type LinkCheck = { ok: true; expiresAt: Date } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'invalid' };

const PURPOSE = 'signed links';

/**
 * Links that open one path without an API key until they expire: what a CRM puts in an activity and a person
 * opens in a browser. The signature covers the path (query excluded) and the expiry, under a key derived from
 * the keyring's first key; every key of the keyring verifies, so a key rotation leaves issued links working
 * until the old key is dropped. Pure: the caller gives the clock.
 */
export function linkSigner(keyring: SecretKeyring) {
  const payload = (path: string, exp: number) => `${path}\n${exp}`;
  return {
    /** The signature for `path`, valid until `expiresAt` (rounded up to the second). */
    sign(path: string, expiresAt: Date): LinkSignature {
      const exp = Math.ceil(expiresAt.getTime() / 1000);
      return { exp, sig: keyring.keys[0]!.mac(PURPOSE, payload(path, exp)).toString('base64url') };
    },
    /** Whether `exp` and `sig` (as they came in the query) sign `path` and have not expired at `now`. */
    verify(path: string, exp: string | null | undefined, sig: string | null | undefined, now: Date): LinkCheck {
      if (!exp && !sig) return { ok: false, reason: 'missing' };
      if (!exp || !sig || !/^\d{1,12}$/.test(exp) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return { ok: false, reason: 'malformed' };
      const given = Buffer.from(sig, 'base64url');
      // One spelling per signature: base64url's last character has two spare bits that decoding ignores.
      if (given.toString('base64url') !== sig) return { ok: false, reason: 'malformed' };
      const signed = keyring.keys.some((key) => timingSafeEqual(key.mac(PURPOSE, payload(path, Number(exp))), given));
      if (!signed) return { ok: false, reason: 'invalid' };
      const expiresAt = new Date(Number(exp) * 1000);
      return expiresAt.getTime() > now.getTime() ? { ok: true, expiresAt } : { ok: false, reason: 'expired' };
    },
  };
}

export type LinkSigner = ReturnType<typeof linkSigner>;

/** `path?exp=…&sig=…`, with `path` as signed. */
export function signedPath(signer: LinkSigner, path: string, expiresAt: Date): string {
  const { exp, sig } = signer.sign(path, expiresAt);
  return `${path}?exp=${exp}&sig=${sig}`;
}
