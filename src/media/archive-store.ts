import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What the archive holds for one key: its size, its SHA-256 (hex) and its media type. */
export interface ArchivedObject {
  bytes: number;
  sha256: string;
  contentType: string;
}

/**
 * Where archived audio lives, behind the four calls an S3-compatible bucket can also answer (PutObject,
 * GetObject with Range, HeadObject): a filesystem now, a bucket later. Keys are `kind/account/id`.
 */
export interface MediaArchiveStore {
  /** Stores the stream whole or not at all (written aside, then renamed), returning its size and checksum. */
  put(key: string, body: Readable, contentType: string): Promise<ArchivedObject>;
  /** The bytes start..end (inclusive; the whole object without a range), or undefined when not archived. */
  get(key: string, range?: { start: number; end: number }): Promise<Readable | undefined>;
  has(key: string): Promise<boolean>;
  stat(key: string): Promise<ArchivedObject | undefined>;
}

const KEY = /^[a-z]+\/\d{1,20}\/\d{1,20}$/;

/**
 * The archive as files under `dir`: `<key>.audio` and, beside it, `<key>.json` (size, checksum, type). The
 * metadata is written last, so a key with no metadata was never stored whole (a crash mid-copy leaves only a
 * temporary file, which the next put of the key replaces).
 */
export function fileArchiveStore(dir: string): MediaArchiveStore {
  const file = (key: string, suffix: string) => {
    if (!KEY.test(key)) throw new Error(`not an archive key: "${key}" (expected kind/account/id)`);
    return path.join(dir, `${key}${suffix}`);
  };
  const stat = async (key: string): Promise<ArchivedObject | undefined> => {
    try {
      return JSON.parse(await readFile(file(key, '.json'), 'utf8')) as ArchivedObject;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  return {
    async put(key, body, contentType) {
      const target = file(key, '.audio');
      await mkdir(path.dirname(target), { recursive: true });
      const aside = `${target}.${randomBytes(6).toString('hex')}.part`;
      const hash = createHash('sha256');
      let bytes = 0;
      const count = async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      };
      try {
        await pipeline(body, count, createWriteStream(aside, { flags: 'wx' }));
        const object: ArchivedObject = { bytes, sha256: hash.digest('hex'), contentType };
        await rename(aside, target);
        const meta = `${file(key, '.json')}.${randomBytes(6).toString('hex')}.part`;
        await writeFile(meta, JSON.stringify(object));
        await rename(meta, file(key, '.json'));
        return object;
      } catch (error) {
        await rm(aside, { force: true });
        throw error;
      }
    },
    async get(key, range) {
      if (!(await stat(key))) return undefined;
      return createReadStream(file(key, '.audio'), range ? { start: range.start, end: range.end } : {});
    },
    has: async (key) => (await stat(key)) !== undefined,
    stat,
  };
}
