// GET …/extension/{extensionId}/authz-profile (Medium) and …/authz-profile/check (Light), OpenAPI
// v1.0.46 readAuthorizationProfile / checkUserPermission: what the JWT user may do, from the role table
// in permissions.ts, so a client can ask before it reads other extensions' mailboxes.
// Decisions where the spec is silent: another extension in the path answers 403 CMN-404 (the spec's
// "Attempt to access another extension"), whatever the role; a missing or unknown permissionId
// answers 400 CMN-101 naming permissionId, as the spec does for a bad targetExtensionId.

import { extensionOf, type Ext } from './company.ts';
import type { SimContext } from './context.ts';
import { apiError, json, ParamError, type ApiRequest, type ApiResponse } from './http.ts';
import { covers, PERMISSIONS, permissionEntry } from './permissions.ts';
import { stringParam } from './query.ts';

/** The JWT user if the path names it, or the refusal. */
function self(ctx: SimContext, req: ApiRequest): { user: Ext } | { refused: ApiResponse } {
  const param = req.params[1] ?? '';
  const ext = extensionOf(ctx.company, param);
  if (!ext) {
    return { refused: apiError(404, 'CMN-102', 'Resource for parameter [extensionId] is not found', { parameterName: 'extensionId', parameterValue: param }) };
  }
  if (ext !== ctx.company.admin) return { refused: apiError(403, 'CMN-404', 'Attempt to access another extension') };
  return { user: ext };
}

function profileBase(ctx: SimContext, req: ApiRequest): string {
  return `${req.url.origin}/restapi/v1.0/account/${ctx.company.accountId}/extension/${ctx.company.admin.id}/authz-profile`;
}

/** GET …/authz-profile: every permission the role holds, with its scopes. */
export function authzProfile(ctx: SimContext, req: ApiRequest): ApiResponse {
  const found = self(ctx, req);
  if ('refused' in found) return found.refused;
  const role = ctx.faults.adminRole;
  const permissions = Object.keys(PERMISSIONS)
    .map((id) => permissionEntry(req.url.origin, ctx.company, role, id))
    .filter((p) => p.scopes.length > 0);
  return json(200, { uri: profileBase(ctx, req), permissions });
}

/** GET …/authz-profile/check?permissionId=…&targetExtensionId=… */
export function authzCheck(ctx: SimContext, req: ApiRequest): ApiResponse {
  const found = self(ctx, req);
  if ('refused' in found) return found.refused;
  const { user } = found;
  const permissionId = stringParam(req.query, 'permissionId');
  if (permissionId === undefined || !(permissionId in PERMISSIONS)) throw new ParamError('permissionId', permissionId ?? '');
  const targetParam = stringParam(req.query, 'targetExtensionId');
  let target: Ext = user;
  if (targetParam !== undefined) {
    const found = targetParam === '~' ? undefined : extensionOf(ctx.company, targetParam);
    if (!found) throw new ParamError('targetExtensionId', targetParam, 'CMN-101', 'Parameter [targetExtensionId] value is invalid.');
    target = found;
  }
  const role = ctx.faults.adminRole;
  const details = permissionEntry(req.url.origin, ctx.company, role, permissionId);
  // The forbiddenMailboxes fault takes reading that mailbox away whatever the role.
  const mailboxRefused = permissionId.startsWith('ReadMessage') && ctx.faults.forbiddenMailboxes.has(String(target.id));
  const successful = details.scopes.length > 0 && covers(details.scopes, user, target) && !mailboxRefused;
  const query = new URLSearchParams({ permissionId });
  if (targetParam !== undefined) query.set('targetExtensionId', targetParam);
  return json(200, { uri: `${profileBase(ctx, req)}/check?${query}`, successful, details });
}
