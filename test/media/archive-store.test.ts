import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fileArchiveStore } from '../../src/media/archive-store.ts';

const bytesOf = async (stream: Readable | undefined) => Buffer.concat(await stream!.toArray());

describe('the filesystem archive store', () => {
  const audio = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));

  it('stores a stream whole with its size and SHA-256, and gives back the bytes and any range', async () => {
    const store = fileArchiveStore(mkdtempSync(path.join(tmpdir(), 'archive-')));
    expect(await store.has('recordings/1/42')).toBe(false);
    expect(await store.get('recordings/1/42')).toBeUndefined();
    const stored = await store.put('recordings/1/42', Readable.from([audio.subarray(0, 40_000), audio.subarray(40_000)]), 'audio/mpeg');
    expect(stored).toEqual({ bytes: audio.length, sha256: createHash('sha256').update(audio).digest('hex'), contentType: 'audio/mpeg' });
    expect(await store.stat('recordings/1/42')).toEqual(stored);
    expect((await bytesOf(await store.get('recordings/1/42'))).equals(audio)).toBe(true);
    expect((await bytesOf(await store.get('recordings/1/42', { start: 1000, end: 1999 }))).equals(audio.subarray(1000, 2000))).toBe(true);
  });

  it('keeps nothing of a copy that broke midway: no object, no metadata, no temporary file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'archive-'));
    const store = fileArchiveStore(dir);
    let sent = false;
    // One chunk, then the source fails as it is read on: a download cut off midway.
    const broken = new Readable({
      read() {
        if (sent) return void this.destroy(new Error('RingCentral hung up'));
        sent = true;
        this.push(audio.subarray(0, 1000));
      },
    });
    await expect(store.put('voicemails/1/7', broken, 'audio/mpeg')).rejects.toThrow('RingCentral hung up');
    expect(await store.has('voicemails/1/7')).toBe(false);
    expect(readdirSync(path.join(dir, 'voicemails/1'))).toEqual([]);
  });

  it('replaces an object whole when stored again, and refuses a key that could leave the directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'archive-'));
    const store = fileArchiveStore(dir);
    await store.put('voicemails/1/7', Readable.from([audio]), 'audio/mpeg');
    await store.put('voicemails/1/7', Readable.from([Buffer.from('short')]), 'audio/wav');
    expect(readFileSync(path.join(dir, 'voicemails/1/7.audio'), 'utf8')).toBe('short');
    expect((await store.stat('voicemails/1/7'))?.contentType).toBe('audio/wav');
    await expect(store.put('../../etc/1/7', Readable.from([audio]), 'audio/mpeg')).rejects.toThrow('not an archive key');
  });
});
