import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';

/*
 * A PostgreSQL primary and a hot standby streaming from it, both private to one test file: initdb'd into a
 * temporary directory, on free ports, with their sockets in that directory. The standby is a base backup of
 * the primary (pg_basebackup -R), so it replays the primary's WAL as a production replica does. The shared
 * test server (TEST_DATABASE_URL) is not used: its pg_hba may not allow replication.
 *
 * PostgreSQL refuses to run as root: when the tests run as root, the clusters run as the `postgres` OS user.
 */

const run = promisify(execFile);

/** The directory holding initdb, pg_ctl and pg_basebackup (PG_BIN, else the newest /usr/lib/postgresql/N/bin, else PATH). */
function findBinDir(): string | undefined {
  const has = (dir: string) => ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'].every((b) => existsSync(path.join(dir, b)));
  if (process.env.PG_BIN) return has(process.env.PG_BIN) ? process.env.PG_BIN : undefined;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(path.join(root, v, 'bin'))) return path.join(root, v, 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir && has(dir)) return dir;
  return undefined;
}

const binDir = findBinDir();
const isRoot = process.getuid?.() === 0;
/** The OS user the clusters run as: `postgres` when the tests run as root (PostgreSQL refuses root). */
const runAs = isRoot ? osUser('postgres') : undefined;

function osUser(name: string): { name: string; uid: number; gid: number } | undefined {
  try {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim()));
    return { name, uid: uid!, gid: gid! };
  } catch {
    return undefined;
  }
}

/** Why replica tests cannot run here, or undefined when they can. */
export const replicaSkipReason: string | undefined = !binDir
  ? 'PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found: install PostgreSQL or set PG_BIN'
  : isRoot && !runAs
    ? 'running as root and there is no `postgres` OS user to run a cluster as (PostgreSQL refuses root)'
    : undefined;

export interface ReplicaCluster {
  /** postgres:// URLs (user postgres, trust) of the primary and of the standby. */
  primaryUrl: string;
  standbyUrl: string;
  /** Waits until the standby has replayed all the WAL the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops WAL replay on the standby (a lagging replica) until resumeReplay; resolves once it has stopped. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Stops both servers (immediate) and deletes their directories. */
  stop(): Promise<void>;
}

/** Runs a PostgreSQL binary as the clusters' OS user; on failure the error carries its output. */
async function pg(binary: string, args: string[]): Promise<void> {
  const file = path.join(binDir!, binary);
  const [command, argv] = runAs ? ['runuser', ['-u', runAs.name, '--', file, ...args]] : [file, args];
  try {
    await run(command, argv, { cwd: tmpdir(), env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${binary} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const settings = (port: number, socketDir: string) => `
port = ${port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '${socketDir}'
wal_level = replica
max_wal_senders = 4
wal_keep_size = '256MB'
hot_standby = on
max_connections = 40
shared_buffers = '32MB'
fsync = off
full_page_writes = off
log_min_messages = warning
`;

/** Starts a primary and a standby replicating from it. Throws (after cleaning up) when either fails to start. */
export async function startReplicaCluster(): Promise<ReplicaCluster> {
  if (replicaSkipReason) throw new Error(replicaSkipReason);
  const dir = mkdtempSync(path.join(tmpdir(), 'callsync-replica-'));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const primaryDir = path.join(dir, 'primary');
  const standbyDir = path.join(dir, 'standby');
  const started: string[] = [];
  const clients: postgres.Sql[] = [];
  const stopAll = async () => {
    await Promise.all(clients.map((c) => c.end({ timeout: 1 }).catch(() => undefined)));
    for (const data of started.reverse()) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  const start = async (data: string, name: string) => {
    const log = path.join(dir, `${name}.log`);
    try {
      await pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '120', 'start']);
    } catch (error) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
      throw new Error(`the ${name} did not start: ${(error as Error).message}\n${tail}`, { cause: error });
    }
    started.push(data);
  };
  try {
    const primaryPort = await freePort();
    let standbyPort = await freePort();
    while (standbyPort === primaryPort) standbyPort = await freePort();
    // initdb's pg_hba.conf with --auth=trust already admits replication connections from 127.0.0.1.
    await pg('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    appendFileSync(primaryDir + '/postgresql.conf', settings(primaryPort, dir));
    await start(primaryDir, 'primary');
    // -R writes standby.signal and primary_conninfo; -X stream copies the WAL the backup needs.
    await pg('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
    appendFileSync(standbyDir + '/postgresql.conf', `port = ${standbyPort}\n`);
    await start(standbyDir, 'standby');
    const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
    const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
    const primary = postgres(primaryUrl, { max: 1, onnotice: () => {} });
    const standby = postgres(standbyUrl, { max: 1, onnotice: () => {} });
    clients.push(primary, standby);
    const [role] = await standby<Array<{ r: boolean }>>`select pg_is_in_recovery() as r`;
    if (!role?.r) throw new Error('the standby is not in recovery: pg_basebackup -R did not make it a standby');
    const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`the standby did not ${what} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    return {
      primaryUrl,
      standbyUrl,
      async caughtUp(timeoutMs) {
        const [{ lsn } = { lsn: '' }] = await primary<Array<{ lsn: string }>>`select pg_current_wal_lsn()::text as lsn`;
        await until(`replay the primary's WAL up to ${lsn}`, async () => {
          const [row] = await standby<Array<{ done: boolean }>>`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as done`;
          return row?.done === true;
        }, timeoutMs);
      },
      async pauseReplay() {
        await standby`select pg_wal_replay_pause()`;
        await until('pause replay', async () => (await standby<Array<{ s: string }>>`select pg_get_wal_replay_pause_state() as s`)[0]?.s === 'paused');
      },
      async resumeReplay() {
        await standby`select pg_wal_replay_resume()`;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
