// What the JWT user may do, by role (api-notes §11). Reading another extension's message store needs
// the ReadMessages user permission with extended scope, which in practice only a Super Admin holds;
// a lower role (here 'UserAdmin') reads its own mailbox, the account call log and the extension list,
// and gets 403 CMN-419 for anyone else's mailbox. The same table answers the authz-profile endpoints.

import type { Company, Ext } from './company.ts';
import type { SimContext } from './context.ts';
import { json, type ApiResponse } from './http.ts';
import type { AdminRole } from './types.ts';

/** Scope values of the authz-profile schema (OpenAPI v1.0.46). */
export type PermissionScope = 'Account' | 'AllExtensions' | 'Federation' | 'NonUserExtensions' | 'RoleBased' | 'Self' | 'UserExtensions';

/**
 * Permission id → scopes each role holds; an empty list = the permission exists but the role lacks
 * it. The ids are RingCentral's; only the ones that matter to callsync are modelled.
 */
export const PERMISSIONS: Readonly<Record<string, Readonly<Record<AdminRole, readonly PermissionScope[]>>>> = {
  ReadAccounts: { SuperAdmin: ['Account'], UserAdmin: ['Account'] },
  ReadExtensions: { SuperAdmin: ['AllExtensions'], UserAdmin: ['AllExtensions'] },
  // The company call log stays readable for the lower role: callsync's call-log sync keeps working.
  ReadCallLog: { SuperAdmin: ['Account'], UserAdmin: ['Account'] },
  FullCompanyCallLog: { SuperAdmin: ['Account'], UserAdmin: ['Account'] },
  ReadCallRecording: { SuperAdmin: ['Account'], UserAdmin: ['Account'] },
  // The spec's example check answers ReadMessages with scopes ["AllExtensions"] for an admin.
  ReadMessages: { SuperAdmin: ['Self', 'AllExtensions'], UserAdmin: ['Self'] },
  ReadMessageContent: { SuperAdmin: ['Self', 'AllExtensions'], UserAdmin: ['Self'] },
  EditMessages: { SuperAdmin: ['Self', 'AllExtensions'], UserAdmin: ['Self'] },
  Users: { SuperAdmin: ['Account'], UserAdmin: ['UserExtensions'] },
  AccountAdministration: { SuperAdmin: ['Account'], UserAdmin: [] },
};

/** Role ids as `effectiveRole.id` shows them (the simulator's choice; RingCentral's ids are account data). */
export const ROLE_IDS: Readonly<Record<AdminRole, string>> = { SuperAdmin: '1', UserAdmin: '2' };

/** RingCentral's text for CMN-419 (OpenAPI v1.0.46, message-store, message-store/{id}, message-sync). */
export const CMN_419_MESSAGE =
  'In order to call this API endpoint for another extension, user needs to have [ReadMessages] permission granted with extended scope';

/** Whether scopes let the JWT user (`self`) act on `target`. */
export function covers(scopes: readonly PermissionScope[], self: Ext, target: Ext): boolean {
  if (scopes.includes('Account') || scopes.includes('AllExtensions')) return true;
  if (target === self) return scopes.includes('Self') || (scopes.includes('UserExtensions') && self.type === 'User');
  if (scopes.includes('UserExtensions') && target.type === 'User') return true;
  return scopes.includes('NonUserExtensions') && target.type !== 'User';
}

/** Whether the JWT user may read `ext`'s message store now (role, then the forbiddenMailboxes fault). */
export function mayReadMailbox(ctx: SimContext, ext: Ext): boolean {
  if (ctx.faults.forbiddenMailboxes.has(String(ext.id))) return false;
  return covers(PERMISSIONS.ReadMessages?.[ctx.faults.adminRole] ?? [], ctx.company.admin, ext);
}

/**
 * 403 CMN-419 in the shape RingCentral answers it (captured in tylerlong/ringcentral-permissions-
 * experiments, read-message-store): top-level errorCode and message, and errors[0] carrying the same
 * plus `permissionsName` — spelt with the s, unlike api-notes §7.1's permissionName for CMN-401.
 */
export function cmn419(ctx: SimContext): ApiResponse {
  ctx.counters.permissionDenied++;
  return json(403, {
    errorCode: 'CMN-419',
    message: CMN_419_MESSAGE,
    errors: [{ errorCode: 'CMN-419', message: CMN_419_MESSAGE, permissionsName: 'ReadMessages' }],
  });
}

/** One entry of an authz profile (AuthProfileResource.permissions[] / AuthProfileCheckResource.details). */
export function permissionEntry(origin: string, company: Company, role: AdminRole, id: string): { permission: { uri: string; id: string }; effectiveRole: { uri: string; id: string }; scopes: PermissionScope[] } {
  const api = `${origin}/restapi/v1.0`;
  return {
    permission: { uri: `${api}/dictionary/permission/${id}`, id },
    effectiveRole: { uri: `${api}/account/${company.accountId}/user-role/${ROLE_IDS[role]}`, id: ROLE_IDS[role] },
    scopes: [...(PERMISSIONS[id]?.[role] ?? [])],
  };
}
