// GET /restapi/v1.0/account/{accountId} (Light), …/extension (Medium, paged) and
// …/extension/{extensionId} (Light).

import { extensionJson, extensionOf } from './company.ts';
import type { SimContext } from './context.ts';
import { apiError, json, type ApiRequest, type ApiResponse } from './http.ts';
import { pageEnvelope } from './paging.ts';
import { enumListParam, intParam, stringParam } from './query.ts';

/** GET …/account/{accountId}: account info with a minimal serviceInfo. */
export function accountInfo(ctx: SimContext, req: ApiRequest): ApiResponse {
  const { company } = ctx;
  const origin = req.url.origin;
  const api = `${origin}/restapi/v1.0`;
  const us = { id: '1', uri: `${api}/dictionary/country/1`, name: 'United States', isoCode: 'US', callingCode: '1' };
  return json(200, {
    uri: `${api}/account/${company.accountId}`,
    id: Number(company.accountId),
    serviceInfo: {
      uri: `${api}/account/${company.accountId}/service-info`,
      brand: { id: '1210', name: 'RingCentral', homeCountry: us },
      servicePlan: { id: '4242', name: 'RingEX Premium', edition: 'Premium' },
      billingPlan: { id: '8921', name: 'Monthly', durationUnit: 'Month', duration: 1, type: 'Regular' },
      contractedCountry: { id: '1', uri: us.uri },
    },
    operator: { uri: `${api}/account/${company.accountId}/extension/${company.admin.id}`, id: company.admin.id, extensionNumber: company.admin.extensionNumber },
    mainNumber: company.mainNumber,
    status: 'Confirmed',
    setupWizardState: 'Completed',
    signupInfo: { tosAccepted: true, signupState: ['AccountConfirmed'], marketingAccepted: false },
    regionalSettings: {
      homeCountry: us,
      timezone: { id: '58', uri: `${api}/dictionary/timezone/58`, name: 'US/Pacific', bias: '-480' },
      language: { id: '1033', uri: `${api}/dictionary/language/1033`, greeting: true, formattingLocale: true, localeCode: 'en-US', isoCode: 'en', name: 'English (United States)', ui: true },
      greetingLanguage: { id: '1033', localeCode: 'en-US', name: 'English (United States)' },
      formattingLocale: { id: '1033', localeCode: 'en-US', name: 'English (United States)' },
      timeFormat: '12h',
      currency: { id: '146', code: 'USD', name: 'Dollar', symbol: '$', minorSymbol: 'c' },
    },
    federated: false,
    limits: { maxExtensionNumberLength: 5, shortExtensionNumberLength: 3, siteCodeLength: 0, maxMonitoredExtensionsPerUser: 100 },
  });
}

/** GET …/extension: paged extension list, filterable by status, type and extensionNumber. */
export function listExtensions(ctx: SimContext, req: ApiRequest): ApiResponse {
  const q = req.query;
  const perPage = intParam(q, 'perPage', { min: 1, clampTo: 1000, maxWord: true }) ?? 100;
  const page = intParam(q, 'page', { min: 1 }) ?? 1;
  const statuses = enumListParam(q, 'status', ['Enabled', 'Disabled', 'NotActivated', 'Unassigned'] as const);
  const types = enumListParam(q, 'type', [
    'User', 'FaxUser', 'VirtualUser', 'DigitalUser', 'Department', 'Announcement', 'Voicemail', 'SharedLinesGroup',
    'PagingOnly', 'IvrMenu', 'ApplicationExtension', 'ParkLocation', 'Limited', 'Bot', 'ProxyAdmin', 'DelegatedLinesGroup',
  ] as const);
  const extensionNumber = stringParam(q, 'extensionNumber');
  const all = ctx.company.extensions.filter(
    (e) =>
      (!statuses || statuses.some((s) => s === e.status)) &&
      (!types || types.some((t) => t === e.type)) &&
      (!extensionNumber || e.extensionNumber === extensionNumber),
  );
  const offset = (page - 1) * perPage;
  const records = all.slice(offset, offset + perPage).map((e) => extensionJson(req.url.origin, ctx.company, e));
  const envelope = pageEnvelope({
    url: req.url,
    page,
    perPage,
    count: records.length,
    total: all.length,
    hasMore: all.length > offset + perPage,
  });
  return json(200, { uri: envelope.uri, records, paging: envelope.paging, navigation: envelope.navigation });
}

/** GET …/extension/{extensionId|~}; "~" is the JWT user (the admin). */
export function getExtension(ctx: SimContext, req: ApiRequest): ApiResponse {
  const param = req.params[1] ?? '';
  const { company } = ctx;
  const ext = extensionOf(company, param);
  if (!ext) {
    return apiError(404, 'CMN-102', 'Resource for parameter [extensionId] is not found', {
      parameterName: 'extensionId',
      parameterValue: param,
    });
  }
  return json(200, { ...extensionJson(req.url.origin, company, ext), account: { uri: `${req.url.origin}/restapi/v1.0/account/${company.accountId}`, id: company.accountId } });
}
