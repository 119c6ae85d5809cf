import { Option, type Command } from 'commander';
import { addManagedAccount } from '../../accounts/add.ts';
import { removeArchivedAudio, archiveFoldersOf } from '../../accounts/archive-files.ts';
import { accountListing, describeSettings, renderListing, type CredentialStatus } from '../../accounts/listing.ts';
import { removeManagedAccount, removeMode } from '../../accounts/remove.ts';
import { argvSecretError, readSecrets, readStandardInput, STDIN } from '../../accounts/secret-input.ts';
import { effectiveSettings, parseNewSettings, parseSettingsChange, type SettingDefaults, type SettingFlags } from '../../accounts/settings.ts';
import { findManagedAccount, listManagedAccountsWithCompany, openManagedAccount, updateManagedAccountSettings } from '../../store/managed-accounts.ts';
import type { Config } from '../../config.ts';
import { UsageError } from '../../errors.ts';
import { connectAccount, credentialKey } from '../../main.ts';
import { RateBudget } from '../../ringcentral/rate-budget.ts';
import type { SecretKeyring } from '../../secrets/box.ts';
import { accountsKeyring } from '../../secrets/keys.ts';
import { action, commandContext, withDatabase } from '../context.ts';

interface AddFlags extends SettingFlags {
  name?: string;
  serverUrl?: string;
  clientId?: string;
  clientSecretFile?: string;
  jwtFile?: string;
  /** Refused: secrets never come from argv. */
  clientSecret?: string | boolean;
  jwt?: string | boolean;
}

const defaultsOf = (config: Config): SettingDefaults => ({ schedule: config.sync.schedule, backfillDays: config.sync.backfillDays, sweepHours: config.sync.voicemailSweepHours });

/** `callsync account add|list|set|remove`: the RingCentral accounts `callsync worker` syncs, kept in the database. */
export function registerAccount(program: Command): void {
  const account = program
    .command('account')
    .description('manage the RingCentral accounts kept in the database (synced by `callsync worker`; credentials sealed with CALLSYNC_SECRET_KEY)');

  account
    .command('add')
    .description('check an account\'s credentials with RingCentral (login, GET /account/~), then store them sealed; secrets only from files or standard input')
    .option('--name <name>', 'callsync\'s name for the account (1-64 letters, digits, "_", "-", ".")')
    .option('--server-url <url>', 'https://platform.ringcentral.com (production) or https://platform.devtest.ringcentral.com (sandbox)')
    .option('--client-id <id>', 'the app\'s Client ID')
    .option('--client-secret-file <file>', 'a file holding the app\'s Client Secret, or - for standard input')
    .option('--jwt-file <file>', 'a file holding the JWT credential, or - for standard input')
    .option('--schedule <cron>', 'sync schedule (default SYNC_SCHEDULE)')
    .option('--backfill-days <n>', 'days of history the first pass reads, 1-366 (default SYNC_BACKFILL_DAYS)')
    .option('--sweep-hours <n>', 'every mailbox is read at least this often, 1-168 (default VOICEMAIL_SWEEP_HOURS)')
    // Accepted only to refuse them with the way to do it right (commander would only say "unknown option").
    .addOption(new Option('--client-secret [value]').hideHelp())
    .addOption(new Option('--jwt [value]').hideHelp())
    .action(action(async (opts: AddFlags) => {
      if (opts.clientSecret !== undefined) throw argvSecretError('clientSecret');
      if (opts.jwt !== undefined) throw argvSecretError('jwt');
      const missing = (['name', 'server-url', 'client-id', 'client-secret-file', 'jwt-file'] as const)
        .filter((flag) => opts[flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof AddFlags] === undefined);
      if (missing.length > 0) throw new UsageError(`account add needs ${missing.map((f) => `--${f}`).join(', ')} (callsync account add --help)`);
      const serverUrl = parseServerUrl(opts.serverUrl!);
      const clientId = opts.clientId!.trim();
      if (!/^\S+$/.test(clientId)) throw new UsageError('--client-id must be the app\'s Client ID (one word, from Developer Console → the app → Credentials)');
      const settings = parseNewSettings(opts);

      const { config, logger } = commandContext({ accounts: 'none' });
      const keyring = accountsKeyring(config, logger);
      if ((opts.clientSecretFile === STDIN || opts.jwtFile === STDIN) && process.stdin.isTTY) {
        process.stderr.write(`paste the ${opts.jwtFile === STDIN ? 'JWT' : 'client secret'}, then press Ctrl-D\n`);
      }
      const secrets = await readSecrets({ clientSecretFile: opts.clientSecretFile!, jwtFile: opts.jwtFile! }, () => readStandardInput());
      const credentials = { serverUrl, clientId, ...secrets };
      const key = credentialKey(credentials);
      const added = await withDatabase(config, (database) =>
        addManagedAccount(database.db, keyring, { name: opts.name!, credentials, credentialKey: key, ...settings }, async (tx) => {
          // On the add's transaction: the session it logs in with is kept (sealed) only with the account.
          const connections = { database: { ...database, db: tx }, credentials, credentialKey: key, keyring, simulator: undefined, close: async () => undefined };
          // A login and one read: an in-process budget, so a refused add leaves no rate_ledger rows behind.
          return connectAccount(config, connections, { logger, rateBudget: new RateBudget() });
        }),
      );
      process.stdout.write(
        `added account "${added.name}": RingCentral account ${added.accountId}${added.companyName ? ` (${added.companyName})` : ''} at ${serverUrl}, client id ${clientId}\n`
          + `  ${describeSettings(effectiveSettings(settings, defaultsOf(config)))}\n`
          + (added.callsAlready > 0 ? `  its ${added.callsAlready} calls already in this database (kept by an earlier remove, or synced with RC_*) are continued, not read again\n` : '')
          + (added.pinnedKeys > 0 ? `  ${added.pinnedKeys} API key(s) made without --account now read account ${added.pinnedTo} only, as before (callsync api-key list)\n` : ''),
      );
    }));

  account
    .command('list')
    .description('list the accounts: name, RingCentral account and company, server, client id, settings (never a secret)')
    .option('--json', 'one JSON array, for scripts')
    .action(action(async (opts: { json?: boolean }) => {
      const { config, logger } = commandContext({ accounts: 'none' });
      let keyring: SecretKeyring | undefined;
      let noKey = '';
      try {
        keyring = accountsKeyring(config, logger);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        noKey = `credentials not checked: ${error.message}`;
      }
      const rows = await withDatabase(config, async (database) => {
        const listed = [];
        for (const a of await listManagedAccountsWithCompany(database.db)) {
          listed.push(accountListing(a, defaultsOf(config), keyring ? await credentialStatus(() => openManagedAccount(database.db, keyring, a.name)) : { status: 'unchecked', problem: noKey }));
        }
        return listed;
      });
      process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : renderListing(rows));
    }));

  account
    .command('set')
    .description('change an account\'s settings; "default" gives one back to the environment\'s default')
    .argument('<name>')
    .option('--schedule <cron>', 'sync schedule, or "default" (SYNC_SCHEDULE)')
    .option('--backfill-days <n>', '1-366, or "default" (SYNC_BACKFILL_DAYS)')
    .option('--sweep-hours <n>', '1-168, or "default" (VOICEMAIL_SWEEP_HOURS)')
    .action(action(async (name: string, opts: SettingFlags) => {
      const change = parseSettingsChange(opts);
      const { config } = commandContext({ accounts: 'none' });
      const updated = await withDatabase(config, async (database) => ((await updateManagedAccountSettings(database.db, name, change)) ? findManagedAccount(database.db, name) : undefined));
      if (!updated) throw new UsageError(`no account named "${name}" (callsync account list shows them)`);
      process.stdout.write(`account "${name}": ${describeSettings(effectiveSettings(updated, defaultsOf(config)))}\n`);
    }));

  account
    .command('remove')
    .description('remove an account and its stored session; --keep-data or --drop-data (required) says what happens to its synced data')
    .argument('<name>')
    .option('--keep-data', 'keep its calls, voicemails … (still served by the API; adding it again resumes the sync)')
    .option('--drop-data', 'delete every row of its RingCentral account id (and its archived audio under MEDIA_ARCHIVE_DIR), in one transaction')
    .action(action(async (name: string, opts: { keepData?: boolean; dropData?: boolean }) => {
      const mode = removeMode(opts);
      const { config } = commandContext({ accounts: 'none' });
      const removed = await withDatabase(config, (database) => removeManagedAccount(database.db, name, mode));
      const which = `account "${name}"${removed.accountId ? ` (RingCentral account ${removed.accountId})` : ''}`;
      if (mode === 'keep-data') {
        process.stdout.write(`removed ${which} and its stored session; its synced data is kept (to delete it later: add the account again, then remove it with --drop-data)\n`);
        return;
      }
      const rows = removed.dropped.map((d) => `${d.table} ${d.rows}`).join(', ');
      process.stdout.write(`removed ${which}, its stored session and its data: ${rows || 'no rows'} deleted\n`);
      if (!removed.accountId) return;
      const archive = config.media.archiveDir;
      if (archive) {
        for (const folder of await removeArchivedAudio(archive, removed.accountId)) process.stdout.write(`deleted the archived audio in ${folder}\n`);
      } else if (removed.dropped.some((d) => d.table === 'media_archive')) {
        const folders = archiveFoldersOf('MEDIA_ARCHIVE_DIR', removed.accountId).join(' and ');
        process.stdout.write(`its archived audio files remain (MEDIA_ARCHIVE_DIR is not set here): delete ${folders} where the workers archive\n`);
      }
    }));
}

function parseServerUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UsageError(`--server-url must be an http(s) URL: https://platform.ringcentral.com for production, https://platform.devtest.ringcentral.com for the sandbox (got "${value}")`);
  }
  return value.trim().replace(/\/+$/, '');
}

async function credentialStatus(open: () => Promise<unknown>): Promise<CredentialStatus> {
  try {
    await open();
    return { status: 'ok' };
  } catch (error) {
    if (error instanceof UsageError) return { status: 'unreadable', problem: error.message };
    throw error;
  }
}
