import { RingCentralApiError } from '../../src/errors.ts';
import type { App } from '../../src/main.ts';
import type { CallLogPageQuery, ExtractSyncQuery, RingCentralApi } from '../../src/ringcentral/endpoints.ts';

export interface Recorded {
  callLogPages: CallLogPageQuery[];
  extractSyncs: ExtractSyncQuery[];
  /** Pages refused as too deep (they never reached the simulator). */
  refusedPages: number;
}

/**
 * The app with its real (SDK-backed) RingCentral API wrapped to record which call-log pages and extract-sync
 * requests a pass made. `refusePagesAbove` stands for a RingCentral that refuses deep page offsets: pages
 * beyond it are answered, before any request, with the 400 CMN-101 RingCentral uses for a bad parameter.
 */
export function recording(app: App, options: { refusePagesAbove?: number } = {}): { app: App; recorded: Recorded } {
  const recorded: Recorded = { callLogPages: [], extractSyncs: [], refusedPages: 0 };
  const api: RingCentralApi = {
    ...app.api,
    async callLogPage(query, meter, signal) {
      if (options.refusePagesAbove !== undefined && query.page > options.refusePagesAbove) {
        recorded.refusedPages++;
        throw new RingCentralApiError('Parameter [page] value is invalid', { status: 400, errorCode: 'CMN-101', rateGroup: 'Heavy', method: 'GET', path: '/restapi/v1.0/account/~/call-log', parameterName: 'page' });
      }
      recorded.callLogPages.push(query);
      return app.api.callLogPage(query, meter, signal);
    },
    async extractSync(query, meter, signal) {
      recorded.extractSyncs.push(query);
      return app.api.extractSync(query, meter, signal);
    },
  };
  return { app: { ...app, api }, recorded };
}
