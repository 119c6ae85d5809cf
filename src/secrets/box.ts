import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * Sealing of secrets kept in the database (RingCentral sessions), so that a dump alone yields no usable
 * token: AES-256-GCM under a key the database never holds. A sealed value is one line of text,
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url), naming the key that sealed it so several keys can be
 * configured while one is rotated out. Pure: keys come in as arguments.
 */

const VERSION = 'v1';
const KEY_BYTES = 32;
// GCM's standard nonce size: random per seal, so 2^32 seals per key stay far below the collision bound.
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** How to make a key, quoted by every error about one. */
export const MAKE_A_KEY = 'make one with: openssl rand -base64 32';

/** A 256-bit key. Never printed: JSON and util.inspect show only its id. */
export class SecretKey {
  /** Names the key in sealed values and logs: a hash of it, which reveals nothing of a random key. */
  readonly id: string;
  readonly #bytes: Buffer;

  constructor(bytes: Uint8Array) {
    if (bytes.length !== KEY_BYTES) throw new RangeError(`a secret key is ${KEY_BYTES} bytes, not ${bytes.length}`);
    this.#bytes = Buffer.from(bytes);
    this.id = createHash('sha256').update('callsync secret key id\0').update(this.#bytes).digest().subarray(0, 6).toString('base64url');
  }

  toJSON(): string {
    return `[secret key ${this.id}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }

  /** Encrypts with a fresh IV; `aad` is authenticated, not stored. */
  seal(plaintext: string, aad: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  /**
   * A MAC of `data` under a key derived from this one for `purpose` (e.g. signed links), so the sealing key
   * itself never signs anything a client sees.
   */
  mac(purpose: string, data: string): Buffer {
    const key = Buffer.from(hkdfSync('sha256', this.#bytes, 'callsync mac', purpose, KEY_BYTES));
    return createHmac('sha256', key).update(data).digest();
  }

  /** The plaintext, or undefined when the value was not sealed by this key with this `aad` or was altered. */
  open(parts: SealedParts, aad: Buffer): string | undefined {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#bytes, parts.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** The keys a process holds: the first seals, every one opens. `source` says where they came from, for messages. */
export interface SecretKeyring {
  readonly keys: readonly SecretKey[];
  readonly source: string;
}

export function secretKeyring(keys: readonly SecretKey[], source: string): SecretKeyring {
  if (keys.length === 0) throw new RangeError('a keyring needs at least one key');
  return Object.freeze({ keys: Object.freeze([...keys]), source });
}

interface SealedParts {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export type Opened =
  | { ok: true; plaintext: string; keyId: string; /** Sealed with the first key: nothing to re-seal. */ current: boolean }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'rejected'; keyId: string | undefined };

/**
 * Seals `plaintext` with the keyring's first key, bound to `context` (e.g. the row it is stored in), so
 * the sealed value opens only with that same context.
 */
export function seal(keyring: SecretKeyring, plaintext: string, context: string): string {
  const key = keyring.keys[0]!;
  return key.seal(plaintext, aadOf(key.id, context));
}

/**
 * Opens a sealed value with whichever key of the keyring sealed it. Fails as `unknown-key` when no key
 * has its id, `rejected` when the key does not authenticate it (altered, another context, or another key
 * whose id collides), `malformed` when it is not a sealed value at all.
 */
export function open(keyring: SecretKeyring, sealed: string, context: string): Opened {
  const parts = parse(sealed);
  if (!parts) return { ok: false, reason: 'malformed', keyId: undefined };
  const key = keyring.keys.find((k) => k.id === parts.keyId);
  if (!key) return { ok: false, reason: 'unknown-key', keyId: parts.keyId };
  const plaintext = key.open(parts, aadOf(key.id, context));
  if (plaintext === undefined) return { ok: false, reason: 'rejected', keyId: parts.keyId };
  return { ok: true, plaintext, keyId: key.id, current: key === keyring.keys[0] };
}

/** The key id a sealed value names, without opening it; undefined when it is not a sealed value. */
export function sealedKeyId(sealed: string): string | undefined {
  return parse(sealed)?.keyId;
}

// The version and key id are authenticated too: a value relabelled to another key or format does not open.
function aadOf(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${context}`, 'utf8');
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function parse(sealed: string): SealedParts | undefined {
  const fields = sealed.split('.');
  if (fields.length !== 5 || fields[0] !== VERSION || !fields.every((f) => B64URL.test(f))) return undefined;
  const [, keyId, iv, tag, ciphertext] = fields as [string, string, string, string, string];
  const parts = { keyId, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') };
  return parts.iv.length === IV_BYTES && parts.tag.length === TAG_BYTES ? parts : undefined;
}

const HEX_KEY = /^[0-9a-f]{64}$/i;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * Keys as configured: 32 bytes each, base64 (standard or URL-safe) or hex, separated by commas or line
 * breaks, the first being the one that seals; `#` starts a comment line (key files). The problem, if any,
 * names the entry by position and never quotes it.
 */
export function parseSecretKeys(text: string): { keys: SecretKey[] } | { problem: string } {
  const entries = text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .join(',')
    .split(/[\s,]+/)
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { problem: `holds no key (${MAKE_A_KEY})` };
  const keys: SecretKey[] = [];
  for (const [i, entry] of entries.entries()) {
    const bytes = HEX_KEY.test(entry) ? Buffer.from(entry, 'hex') : BASE64_KEY.test(entry) ? Buffer.from(entry, 'base64') : undefined;
    const which = entries.length === 1 ? 'the key' : `key ${i + 1} of ${entries.length}`;
    if (!bytes || bytes.length !== KEY_BYTES) {
      return { problem: `${which} is not ${KEY_BYTES} bytes in base64 (44 characters) or hex (64 characters) (${MAKE_A_KEY})` };
    }
    keys.push(new SecretKey(bytes));
  }
  return { keys };
}

/**
 * A key derived (HKDF-SHA256) from secret input material, e.g. credentials that never reach the database;
 * `purpose` separates keys derived from the same material for different uses.
 */
export function deriveSecretKey(material: string, purpose: string): SecretKey {
  return new SecretKey(Buffer.from(hkdfSync('sha256', material, 'callsync secret box', purpose, KEY_BYTES)));
}
