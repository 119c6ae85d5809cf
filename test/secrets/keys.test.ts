import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { SecretKey } from '../../src/secrets/box.ts';
import { authSessionKeyring, credentialSecretKey, DEMO_KEY_FILE, readSecretKeyFile } from '../../src/secrets/keys.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'callsync-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readSecretKeyFile', () => {
  const key = randomBytes(32);

  function keyFile(name: string, text: string, mode: number): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    chmodSync(file, mode);
    return file;
  }

  it('reads the keys of a file only its owner (and group) can read', () => {
    for (const mode of [0o600, 0o400, 0o640]) {
      const read = readSecretKeyFile(keyFile(`ok-${mode.toString(8)}`, `${key.toString('base64')}\n`, mode));
      expect(read).toEqual({ keys: [new SecretKey(key)] });
    }
  });

  it('refuses a missing file, saying which', () => {
    const file = path.join(dir, 'absent.key');
    expect(readSecretKeyFile(file)).toEqual({ problem: expect.stringMatching(new RegExp(`^cannot read ${file} \\(ENOENT\\).*openssl rand -base64 32`)) });
  });

  it.skipIf(process.platform === 'win32')('refuses a file other users may read or write, saying how to fix it', () => {
    for (const mode of [0o644, 0o602]) {
      const file = keyFile(`loose-${mode.toString(8)}`, key.toString('base64'), mode);
      expect(readSecretKeyFile(file)).toEqual({ problem: `${file} may be read or written by other users (mode ${mode.toString(8)}): chmod 600 it (on Kubernetes, defaultMode: 0400 on the secret volume)` });
    }
  });

  it('refuses a file without a valid key, naming the file', () => {
    const file = keyFile('short.key', randomBytes(8).toString('hex'), 0o600);
    expect(readSecretKeyFile(file)).toEqual({ problem: expect.stringContaining(`${file} the key is not 32 bytes`) });
  });
});

describe('authSessionKeyring', () => {
  const REAL = { RC_CLIENT_ID: 'id', RC_CLIENT_SECRET: 'client-secret', RC_JWT: 'jwt' };
  const derivedId = credentialSecretKey({ clientSecret: 'client-secret', jwt: 'jwt' }).id;
  function logs() {
    const lines: string[] = [];
    return { logger: createLogger('info', { write: (line: string) => void lines.push(line) }), lines: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }) };
  }

  it('with real credentials and no key: the key derived from them, said once at info with the variable that decouples it', () => {
    const { logger, lines } = logs();
    const keyring = authSessionKeyring(loadConfig(REAL), logger);
    expect(keyring.keys.map((k) => k.id)).toEqual([derivedId]);
    expect(lines()).toEqual([expect.objectContaining({ level: 30, msg: expect.stringContaining('set CALLSYNC_SECRET_KEY') })]);
    // Another JWT derives another key.
    expect(authSessionKeyring(loadConfig({ ...REAL, RC_JWT: 'jwt2' }), logger).keys[0]!.id).not.toBe(derivedId);
  });

  it('with CALLSYNC_SECRET_KEY: its keys seal and open, in order, and the derived key still opens (last)', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const { logger, lines } = logs();
    const keyring = authSessionKeyring(loadConfig({ ...REAL, CALLSYNC_SECRET_KEY: `${a.toString('base64')},${b.toString('hex')}` }), logger);
    expect(keyring.keys.map((k) => k.id)).toEqual([new SecretKey(a).id, new SecretKey(b).id, derivedId]);
    expect(keyring.source).toBe('CALLSYNC_SECRET_KEY');
    expect(lines()).toEqual([]);
    // The demo has no credentials to derive from: only the configured key.
    expect(authSessionKeyring(loadConfig({ CALLSYNC_SECRET_KEY: a.toString('base64'), CALLSYNC_DATA_DIR: path.join(dir, 'unused') }), logger).keys.map((k) => k.id)).toEqual([new SecretKey(a).id]);
  });

  it('in demo mode: makes <CALLSYNC_DATA_DIR>/secret.key (0600) once and reuses it', () => {
    const dataDir = path.join(dir, 'demo', 'nested');
    const { logger, lines } = logs();
    const first = authSessionKeyring(loadConfig({ CALLSYNC_DATA_DIR: dataDir }), logger);
    const file = path.join(dataDir, DEMO_KEY_FILE);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(first.keys.map((k) => k.id)).toEqual([new SecretKey(Buffer.from(text.trim(), 'base64')).id]);
    expect(authSessionKeyring(loadConfig({ CALLSYNC_DATA_DIR: dataDir }), logger).keys[0]!.id).toBe(first.keys[0]!.id);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(lines()).toEqual([]);
  });

  it('in demo mode without a usable key file: a warning naming the problem, and a key for this run only', () => {
    const notADirectory = path.join(dir, 'plain-file');
    writeFileSync(notADirectory, 'x');
    const { logger, lines } = logs();
    const a = authSessionKeyring(loadConfig({ CALLSYNC_DATA_DIR: notADirectory }), logger);
    const b = authSessionKeyring(loadConfig({ CALLSYNC_DATA_DIR: notADirectory }), logger);
    expect(a.keys).toHaveLength(1);
    expect(a.keys[0]!.id).not.toBe(b.keys[0]!.id);
    expect(lines()).toHaveLength(2);
    expect(lines()[0]).toMatchObject({ level: 40, msg: expect.stringContaining(`cannot create the key file ${path.join(notADirectory, DEMO_KEY_FILE)}`) });
    expect(lines()[0]!.msg).toContain('CALLSYNC_SECRET_KEY');
  });
});
