import type { ApiKeyAccess } from '../store/api-keys.ts';
import type { AccountScope } from '../store/read-keys.ts';

/** A key the API admits: its name (admission is per name) and the accounts it may read. */
export interface AdmittedKey {
  name: string;
  scope: AccountScope;
}

/** Why a request is refused before it reads anything: 401 without a valid key, 403 for a key that must be scoped first. */
export interface KeyRefusal {
  status: 401 | 403;
  code: 'UNAUTHENTICATED' | 'KEY_NOT_SCOPED';
  message: string;
}

export type KeyLookup = (key: string) => Promise<ApiKeyAccess | undefined>;

const MISSING_KEY = 'missing API key: send "Authorization: Bearer <key>" (create one with `callsync api-key create --name NAME`)';

/**
 * The key of `Authorization: Bearer <key>`, or the refusal every route gives (/graphql, /media, /status,
 * /metrics): a key created without `--account` is refused on all of them once the database holds two
 * accounts, rather than read either's data.
 */
export async function admitKey(authorization: string | undefined, lookUp: KeyLookup): Promise<AdmittedKey | KeyRefusal> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return { status: 401, code: 'UNAUTHENTICATED', message: authorization === undefined ? MISSING_KEY : 'the Authorization header must be "Bearer <key>"' };
  const access = await lookUp(match[1]!);
  if (!access) return { status: 401, code: 'UNAUTHENTICATED', message: 'unknown or revoked API key' };
  if ('unscoped' in access) return notScoped(access.name, access.unscoped.accounts);
  return { name: access.name, scope: access.scope };
}

function notScoped(name: string, accounts: number): KeyRefusal {
  return {
    status: 403,
    code: 'KEY_NOT_SCOPED',
    message: `API key "${name}" was created without --account, and the database now holds ${accounts} accounts: it reads none of them. Create a key for the accounts it is for (\`callsync api-key create --name NAME --account ACCOUNT\`, repeatable) and revoke this one`,
  };
}

export const isRefusal = (result: AdmittedKey | KeyRefusal): result is KeyRefusal => 'status' in result;
