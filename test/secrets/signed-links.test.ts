import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretKey, secretKeyring } from '../../src/secrets/box.ts';
import { linkSigner, signedPath } from '../../src/secrets/signed-links.ts';

const key = () => new SecretKey(randomBytes(32));
const now = new Date('2026-12-07T12:00:00Z');
const inAnHour = new Date(now.getTime() + 3_600_000);

describe('signed links', () => {
  const signer = linkSigner(secretKeyring([key()], 'test'));

  it('verify what they signed until the expiry, and not after', () => {
    const { exp, sig } = signer.sign('/media/voicemails/42', inAnHour);
    expect(signer.verify('/media/voicemails/42', String(exp), sig, now)).toEqual({ ok: true, expiresAt: inAnHour });
    expect(signer.verify('/media/voicemails/42', String(exp), sig, inAnHour)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse another path, a moved expiry, another key, and malformed or missing parameters', () => {
    const { exp, sig } = signer.sign('/media/voicemails/42', inAnHour);
    expect(signer.verify('/media/voicemails/43', String(exp), sig, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(signer.verify('/media/voicemails/42', String(exp + 3600), sig, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(linkSigner(secretKeyring([key()], 'other')).verify('/media/voicemails/42', String(exp), sig, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(signer.verify('/media/voicemails/42', null, null, now)).toEqual({ ok: false, reason: 'missing' });
    expect(signer.verify('/media/voicemails/42', String(exp), null, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(signer.verify('/media/voicemails/42', '1e9', sig, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(signer.verify('/media/voicemails/42', String(exp), `${sig.slice(0, -1)}!`, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('keep verifying across a key rotation while the old key is still held', () => {
    const [oldKey, newKey] = [key(), key()];
    const before = linkSigner(secretKeyring([oldKey], 'old'));
    const during = linkSigner(secretKeyring([newKey, oldKey], 'new,old'));
    const after = linkSigner(secretKeyring([newKey], 'new'));
    const { exp, sig } = before.sign('/status', inAnHour);
    expect(during.verify('/status', String(exp), sig, now).ok).toBe(true);
    expect(after.verify('/status', String(exp), sig, now).ok).toBe(false);
    const fresh = during.sign('/status', inAnHour);
    expect(after.verify('/status', String(fresh.exp), fresh.sig, now).ok).toBe(true);
  });

  it('never verify a signature altered in any one character', () => {
    const { exp, sig } = signer.sign('/media/recordings/7', inAnHour);
    fc.assert(
      fc.property(fc.nat({ max: sig.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), (at, c) => {
        const altered = sig.slice(0, at) + c + sig.slice(at + 1);
        fc.pre(altered !== sig);
        expect(signer.verify('/media/recordings/7', String(exp), altered, now).ok).toBe(false);
      }),
    );
  });

  it('build path?exp=…&sig=… links', () => {
    const link = signedPath(signer, '/status', inAnHour);
    const url = new URL(link, 'http://callsync.example');
    expect(url.pathname).toBe('/status');
    expect(signer.verify('/status', url.searchParams.get('exp'), url.searchParams.get('sig'), now).ok).toBe(true);
  });
});
