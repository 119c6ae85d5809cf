import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';

/**
 * The client secret and the JWT of `account add`, read from files or standard input — never from the
 * command line, where the process list, the shell's history and CI logs would keep them.
 */

/** The flags that would put a secret on the command line, and where the secret goes instead. */
export const ARGV_SECRETS = Object.freeze({
  clientSecret: { flag: '--client-secret', instead: '--client-secret-file', what: 'client secret' },
  jwt: { flag: '--jwt', instead: '--jwt-file', what: 'JWT' },
});

/** The refusal of a secret given on the command line: never quotes it. */
export function argvSecretError(which: keyof typeof ARGV_SECRETS): UsageError {
  const { flag, instead, what } = ARGV_SECRETS[which];
  return new UsageError(
    `${flag} is not accepted: a ${what} on the command line stays in the process list and the shell's history. `
      + `Write it to a file only you can read (chmod 600) and pass ${instead} FILE, or pipe it in with ${instead} - `
      + `(e.g. ${instead} - < FILE); if it was typed into a shell, consider it exposed`,
  );
}

export interface SecretFiles {
  clientSecretFile: string;
  jwtFile: string;
}

/** `-` reads standard input (whole, then trimmed); only one of the two may be it. */
export const STDIN = '-';

/**
 * Reads both secrets. `readStdin` is standard input's whole text (read only when a file is `-`). Each
 * secret is the file's text trimmed, and must be one word: a JWT and a client secret hold no spaces or
 * line breaks, so a file with more is the wrong file (an .env, a key pair), not a secret to store.
 */
export async function readSecrets(files: SecretFiles, readStdin: () => Promise<string>): Promise<{ clientSecret: string; jwt: string }> {
  if (files.clientSecretFile === STDIN && files.jwtFile === STDIN) {
    throw new UsageError('--client-secret-file and --jwt-file are both "-" (standard input): only one of them may be; give the other as a file');
  }
  const read = async (flag: string, what: string, file: string): Promise<string> => {
    let text: string;
    if (file === STDIN) text = await readStdin();
    else {
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new UsageError(`${flag}: cannot read ${file} (${code}): give a readable file holding the ${what}, or "-" to read it from standard input`);
      }
    }
    const value = text.trim();
    const source = file === STDIN ? 'standard input' : file;
    if (value === '') throw new UsageError(`${flag}: ${source} is empty: it must hold the ${what}`);
    if (/\s/.test(value)) throw new UsageError(`${flag}: ${source} holds more than one word: it must hold only the ${what} (one line, nothing else)`);
    return value;
  };
  const clientSecret = await read('--client-secret-file', 'client secret', files.clientSecretFile);
  const jwt = await read('--jwt-file', 'JWT', files.jwtFile);
  return { clientSecret, jwt };
}

/** Standard input, whole. */
export async function readStandardInput(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
