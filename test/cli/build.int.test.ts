import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Production runs bin/callsync.js over the compiled dist/, with plain Node. The other CLI tests run the
// sources, so this one builds (scripts/build.js, as `npm run build` does) into a tree of its own laid out like
// the repository, whose node_modules leaves out the dev dependencies (tsx, TypeScript) and esbuild: whatever
// the compiled code needs at run time must be there, and nothing may reach for the TypeScript toolchain.

const ROOT = path.resolve('.');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
let tree: string;
let bin: string;

/** node_modules as a production install would have it: every installed package but the dev tooling. */
function linkProductionModules(into: string): void {
  const modules = path.join(ROOT, 'node_modules');
  const left = (name: string) => name in pkg.devDependencies || name === 'esbuild' || name.startsWith('@esbuild/');
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const names = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map((m) => `${entry}/${m}`) : [entry];
    for (const name of names.filter((n) => !left(n))) {
      mkdirSync(path.dirname(path.join(into, name)), { recursive: true });
      symlinkSync(path.join(modules, name), path.join(into, name), 'dir');
    }
  }
}

beforeAll(async () => {
  tree = mkdtempSync(path.join(tmpdir(), 'callsync-build-'));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build.js'), '--out-dir', path.join(tree, 'dist')]);
  // What the compiled code reads outside dist/ (../../package.json, ../../migrations) sits beside it, as in the repository.
  copyFileSync(path.join(ROOT, 'package.json'), path.join(tree, 'package.json'));
  symlinkSync(path.join(ROOT, 'migrations'), path.join(tree, 'migrations'), 'dir');
  mkdirSync(path.join(tree, 'bin'));
  bin = path.join(tree, 'bin', 'callsync.js');
  copyFileSync(path.join(ROOT, 'bin', 'callsync.js'), bin);
  linkProductionModules(path.join(tree, 'node_modules'));
});

afterAll(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
});

/** The child's whole environment: nothing of this process (NODE_OPTIONS, vitest's variables) leaks in. */
const baseEnv = () => ({ PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp' });

describe('the compiled CLI (bin/callsync.js over dist/)', () => {
  it('prints the version of package.json', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--version'], { env: baseEnv() });
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('migrate applies the migrations to an embedded database; serve then answers /healthz and /readyz and exits 0 on SIGTERM', async () => {
    const env = { ...baseEnv(), CALLSYNC_DATA_DIR: path.join(tree, 'data'), PORT: '0', LOG_LEVEL: 'info' };
    // The migrations are found through ../../migrations from dist/.
    const migrated = await promisify(execFile)(process.execPath, [bin, 'migrate'], { env });
    expect(migrated.stdout).toContain('migrations applied');
    const child = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let running = true;
    void exited.then(() => (running = false));
    try {
      // Until it says where it listens (or dies): no fixed deadline, the machine may be busy.
      const listening = () => out.split('\n').find((l) => l.includes('"GraphQL API listening"'));
      while (running && !listening()) await new Promise((r) => setTimeout(r, 50));
      expect(listening(), out).toBeDefined();
      const base = (JSON.parse(listening()!) as { url: string }).url.replace(/\/graphql$/, '');
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, out).toBe(0);
  });
});
