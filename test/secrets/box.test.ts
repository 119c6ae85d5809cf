import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deriveSecretKey, open, parseSecretKeys, seal, sealedKeyId, SecretKey, secretKeyring } from '../../src/secrets/box.ts';

const newKey = () => new SecretKey(randomBytes(32));
const ring = (...keys: SecretKey[]) => secretKeyring(keys, 'CALLSYNC_SECRET_KEY');
const ROW = 'auth_sessions:credential-a';
const SECRET = JSON.stringify({ 'rc-platform': JSON.stringify({ access_token: 'U0pDMDFQ-access', refresh_token: 'U0pDMDFQ-refresh' }) });

/** `sealed` with one base64url character of field `field` changed. */
function flip(sealed: string, field: number): string {
  const fields = sealed.split('.');
  const f = fields[field]!;
  fields[field] = (f[0] === 'A' ? 'B' : 'A') + f.slice(1);
  return fields.join('.');
}

describe('secret box', () => {
  it('opens what it sealed, and the sealed text holds nothing of the plaintext', () => {
    const keyring = ring(newKey());
    for (const plaintext of [SECRET, '', 'ü€ emoji 🎧', 'x'.repeat(100_000)]) {
      const sealed = seal(keyring, plaintext, ROW);
      expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
      expect(open(keyring, sealed, ROW)).toEqual({ ok: true, plaintext, keyId: keyring.keys[0]!.id, current: true });
    }
    const sealed = seal(keyring, SECRET, ROW);
    expect(sealed).not.toContain('U0pDMDFQ');
    expect(Buffer.from(sealed.split('.')[4]!, 'base64url').toString('latin1')).not.toContain('access');
  });

  it('seals the same plaintext differently every time (a random IV per seal)', () => {
    const keyring = ring(newKey());
    const seals = new Set(Array.from({ length: 50 }, () => seal(keyring, SECRET, ROW)));
    expect(seals.size).toBe(50);
    expect(new Set([...seals].map((s) => s.split('.')[2])).size).toBe(50);
  });

  it('refuses a sealed value with any part altered', () => {
    const keyring = ring(newKey());
    const sealed = seal(keyring, SECRET, ROW);
    expect(open(keyring, flip(sealed, 2), ROW)).toMatchObject({ ok: false, reason: 'rejected' });
    expect(open(keyring, flip(sealed, 3), ROW)).toMatchObject({ ok: false, reason: 'rejected' });
    expect(open(keyring, flip(sealed, 4), ROW)).toMatchObject({ ok: false, reason: 'rejected' });
    // Relabelled to a key the ring does not hold, or truncated, or not a sealed value at all.
    expect(open(keyring, flip(sealed, 1), ROW)).toMatchObject({ ok: false, reason: 'unknown-key' });
    expect(open(keyring, sealed.slice(0, -4), ROW)).toMatchObject({ ok: false, reason: 'rejected' });
    expect(open(keyring, sealed.replace(/^v1/, 'v2'), ROW)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(open(keyring, SECRET, ROW)).toMatchObject({ ok: false, reason: 'malformed', keyId: undefined });
    expect(open(keyring, sealed.split('.').slice(0, 4).join('.'), ROW)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('does not open with another key, even one claiming the same id', () => {
    const sealed = seal(ring(newKey()), SECRET, ROW);
    const other = ring(newKey());
    expect(open(other, sealed, ROW)).toEqual({ ok: false, reason: 'unknown-key', keyId: sealedKeyId(sealed) });
    // The id is only a label: a sealed value relabelled with the other key's id still fails to authenticate.
    const relabelled = sealed.split('.').map((f, i) => (i === 1 ? other.keys[0]!.id : f)).join('.');
    expect(open(other, relabelled, ROW)).toMatchObject({ ok: false, reason: 'rejected' });
  });

  it('is bound to its row: a sealed value copied to another row does not open there', () => {
    const keyring = ring(newKey());
    const sealed = seal(keyring, SECRET, ROW);
    expect(open(keyring, sealed, 'auth_sessions:credential-b')).toMatchObject({ ok: false, reason: 'rejected' });
    expect(open(keyring, sealed, ROW)).toMatchObject({ ok: true });
  });

  it('seals with the first key and opens with any, telling which values an older key sealed', () => {
    const [oldKey, newer] = [newKey(), newKey()];
    const before = seal(ring(oldKey), SECRET, ROW);
    const rotated = ring(newer, oldKey);
    expect(open(rotated, before, ROW)).toEqual({ ok: true, plaintext: SECRET, keyId: oldKey.id, current: false });
    const after = seal(rotated, SECRET, ROW);
    expect(sealedKeyId(after)).toBe(newer.id);
    expect(open(rotated, after, ROW)).toEqual({ ok: true, plaintext: SECRET, keyId: newer.id, current: true });
    // Once the old key is dropped, what it sealed no longer opens; what the new one sealed still does.
    expect(open(ring(newer), before, ROW)).toMatchObject({ ok: false, reason: 'unknown-key', keyId: oldKey.id });
    expect(open(ring(newer), after, ROW)).toMatchObject({ ok: true });
  });

  it('never shows a key in JSON or util.inspect, only its id', () => {
    const bytes = randomBytes(32);
    const key = new SecretKey(bytes);
    const shown = JSON.stringify({ key, ring: ring(key) }) + inspect({ key }, { depth: 5, showHidden: true });
    for (const encoding of ['base64', 'hex', 'base64url'] as const) expect(shown).not.toContain(bytes.toString(encoding).slice(0, 12));
    expect(shown).toContain(key.id);
  });

  it('derives the same key from the same material, and different keys from different material or purpose', () => {
    expect(deriveSecretKey('secret\njwt', 'auth_sessions').id).toBe(deriveSecretKey('secret\njwt', 'auth_sessions').id);
    expect(deriveSecretKey('secret\njwt2', 'auth_sessions').id).not.toBe(deriveSecretKey('secret\njwt', 'auth_sessions').id);
    expect(deriveSecretKey('secret\njwt', 'other').id).not.toBe(deriveSecretKey('secret\njwt', 'auth_sessions').id);
  });
});

describe('parseSecretKeys', () => {
  const bytes = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const ids = bytes.map((b) => new SecretKey(b).id);
  const idsOf = (text: string) => {
    const parsed = parseSecretKeys(text);
    if ('problem' in parsed) throw new Error(parsed.problem);
    return parsed.keys.map((k) => k.id);
  };

  it('reads base64, URL-safe base64 and hex keys, in order, separated by commas or lines', () => {
    expect(idsOf(bytes[0]!.toString('base64'))).toEqual([ids[0]]);
    expect(idsOf(` ${bytes[0]!.toString('base64url')} `)).toEqual([ids[0]]);
    expect(idsOf(bytes[0]!.toString('hex').toUpperCase())).toEqual([ids[0]]);
    expect(idsOf(`${bytes[1]!.toString('base64')},${bytes[0]!.toString('hex')}, ${bytes[2]!.toString('base64')}`)).toEqual([ids[1], ids[0], ids[2]]);
    expect(idsOf(`# rotated 2026-12-01\n${bytes[2]!.toString('base64')}\r\n\n# old\n${bytes[1]!.toString('base64')}\n`)).toEqual([ids[2], ids[1]]);
  });

  it('refuses keys that are not 32 bytes, naming the entry, never quoting it, and saying how to make one', () => {
    const cases: Array<[string, string]> = [
      ['', 'holds no key'],
      ['# only a comment', 'holds no key'],
      ['hunter2hunter2', 'the key is not 32 bytes'],
      [randomBytes(16).toString('base64'), 'the key is not 32 bytes'],
      [randomBytes(33).toString('base64'), 'the key is not 32 bytes'],
      [randomBytes(31).toString('hex'), 'the key is not 32 bytes'],
      [`${bytes[0]!.toString('base64')},${randomBytes(24).toString('base64')}`, 'key 2 of 2 is not 32 bytes'],
      [`${bytes[0]!.toString('base64').slice(0, -2)}!=`, 'the key is not 32 bytes'],
    ];
    for (const [text, expected] of cases) {
      const parsed = parseSecretKeys(text);
      expect(parsed, text).toHaveProperty('problem');
      const problem = (parsed as { problem: string }).problem;
      expect(problem).toContain(expected);
      expect(problem).toContain('openssl rand -base64 32');
      if (text.length > 8 && !text.startsWith('#')) expect(problem).not.toContain(text.slice(0, 8));
    }
  });
});
