import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { deriveSecretKey, MAKE_A_KEY, parseSecretKeys, SecretKey, secretKeyring, type SecretKeyring } from './box.ts';

/** The credentials a key can be derived from: secrets that never reach the database. */
export interface KeySourceCredentials {
  readonly clientSecret: string;
  readonly jwt: string;
}

/** What the keyring is chosen from (the parsed configuration's fields of the same names). */
export interface KeyringSettings {
  readonly secretKeys: { readonly variable: string; readonly keys: readonly SecretKey[] } | undefined;
  readonly dataDir: string;
  readonly ringcentral: KeySourceCredentials | undefined;
}

/** The demo's own key, under CALLSYNC_DATA_DIR: demo sessions are sealed like real ones. */
export const DEMO_KEY_FILE = 'secret.key';

/**
 * The keys in a key file (one per line, the first seals). Refused when unreadable, and on POSIX when
 * others may read or write it: that would put the key beside the database for any local user. Group
 * access is allowed, as Kubernetes gives a secret volume's files to the pod's fsGroup.
 */
export function readSecretKeyFile(file: string): { keys: SecretKey[] } | { problem: string } {
  let text: string;
  try {
    const mode = statSync(file).mode;
    if (process.platform !== 'win32' && (mode & 0o006) !== 0) {
      return { problem: `${file} may be read or written by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it (on Kubernetes, defaultMode: 0400 on the secret volume)` };
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): point it at a readable file holding the key (${MAKE_A_KEY})` };
  }
  const parsed = parseSecretKeys(text);
  return 'problem' in parsed ? { problem: `${file} ${parsed.problem}` } : parsed;
}

/**
 * The keys that seal stored RingCentral sessions:
 * - the configured ones (CALLSYNC_SECRET_KEY or CALLSYNC_SECRET_KEY_FILE), the first sealing;
 * - else in demo mode the demo's own key file, made on first use (when it cannot be, a key for this run:
 *   a demo session ends with its run's simulator anyway, so nothing is lost);
 * - else one derived from RC_CLIENT_SECRET and RC_JWT, which never reach the database either.
 * With real credentials the derived key always opens too, so setting CALLSYNC_SECRET_KEY later keeps
 * the stored session (it is re-sealed at its next refresh) instead of costing a login.
 */
export function authSessionKeyring(config: KeyringSettings, logger: Logger): SecretKeyring {
  const derived = config.ringcentral ? [credentialSecretKey(config.ringcentral)] : [];
  if (config.secretKeys) return secretKeyring([...config.secretKeys.keys, ...derived], config.secretKeys.variable);
  if (!config.ringcentral) {
    const file = path.join(config.dataDir, DEMO_KEY_FILE);
    const demo = demoSecretKeys(file);
    if ('keys' in demo) return secretKeyring(demo.keys, `the demo key file ${file} (or CALLSYNC_SECRET_KEY)`);
    logger.warn(`demo mode: ${demo.problem}; sealing this run's session with a key of its own`);
    return secretKeyring([new SecretKey(randomBytes(32))], 'this demo run\'s own key (or CALLSYNC_SECRET_KEY)');
  }
  logger.info('RingCentral sessions are stored sealed with a key derived from RC_CLIENT_SECRET and RC_JWT; set CALLSYNC_SECRET_KEY to seal them with a key of their own');
  return secretKeyring(derived, 'the key derived from RC_CLIENT_SECRET and RC_JWT (or CALLSYNC_SECRET_KEY)');
}

/** The key derived from the credentials: every process with the same credentials derives the same one. */
export function credentialSecretKey(credentials: KeySourceCredentials): SecretKey {
  return deriveSecretKey(`${credentials.clientSecret}\n${credentials.jwt}`, 'auth_sessions');
}

/**
 * The demo key file's keys, making the file (mode 0600) when absent. It is written aside and linked into
 * place, so a second process starting at the same moment reads either no file or a whole one.
 */
function demoSecretKeys(file: string): { keys: SecretKey[] } | { problem: string } {
  if (!existsSync(file)) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(aside, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      try {
        linkSync(aside, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        unlinkSync(aside);
      }
    } catch (error) {
      return { problem: `cannot create the key file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): make CALLSYNC_DATA_DIR writable, or set CALLSYNC_SECRET_KEY` };
    }
  }
  return readSecretKeyFile(file);
}

/**
 * The keys that seal managed accounts' credentials and their sessions (`account add`, `worker`): the
 * configured ones, or the demo key file in demo mode. Never derived: with no account in the environment
 * there is nothing to derive from, and a key made on the spot would be lost with the machine.
 */
export function accountsKeyring(config: KeyringSettings & { readonly demo: boolean }, logger: Logger): SecretKeyring {
  if (config.secretKeys) return authSessionKeyring(config, logger);
  if (config.demo && !config.ringcentral) return authSessionKeyring(config, logger);
  throw new UsageError(`accounts added to the database keep their credentials sealed: set CALLSYNC_SECRET_KEY or CALLSYNC_SECRET_KEY_FILE (${MAKE_A_KEY}), the same on every worker and for account add`);
}
