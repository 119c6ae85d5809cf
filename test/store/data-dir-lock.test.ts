import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SetupError } from '../../src/errors.ts';
import { LOCK_FILE, lockDataDir } from '../../src/store/data-dir-lock.ts';
import { openDatabase } from '../../src/store/db.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const freshDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'callsync-lock-'));
  dirs.push(dir);
  return dir;
};

/** A live process that is not this one. */
function otherProcess(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

describe('the embedded database directory lock', () => {
  it('refuses a directory another live process holds, naming its pid and command and the way out', () => {
    const dir = freshDir();
    const pid = otherProcess();
    writeFileSync(path.join(dir, LOCK_FILE), `${pid}\nstart\n`);
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SetupError);
    expect((error as Error).message).toContain(`pid ${pid} (callsync start)`);
    expect((error as Error).message).toContain('DATABASE_URL');
    // The holder's lock is left as it was.
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(`${pid}\nstart\n`);
  });

  it('takes over the lock of a process that is gone, and removes it on release', async () => {
    const dir = freshDir();
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(path.join(dir, LOCK_FILE), `${gone.pid}\nstart\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
    release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock naming its own pid (a restarted container pid 1) but refuses a second open in the process', () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\nstart\n`);
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/already open in this process/);
    release();
    lockDataDir(dir)();
  });

  it('holds while PGlite has the directory open, and lets go when it closes', async () => {
    const dir = freshDir();
    const first = await openDatabase({ dataDir: dir });
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/already open in this process/);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
    await first.close();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const again = await openDatabase({ dataDir: dir });
    await again.close();
  });
});
