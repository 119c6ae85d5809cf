import { describe, expect, it } from 'vitest';
import { isRingCentralUri } from '../../src/ringcentral/content-hosts.ts';

describe('isRingCentralUri: which content URIs may receive the access token', () => {
  const server = 'https://platform.ringcentral.com';
  const rows: Array<[string, string, boolean]> = [
    ['https://media.ringcentral.com/restapi/v1.0/account/1/extension/2/message-store/3/content/4', server, true],
    ['https://platform.ringcentral.com/restapi/v1.0/account/1/extension/2/message-store/3/content/4', server, true],
    ['https://media.devtest.ringcentral.com/restapi/v1.0/x', 'https://platform.devtest.ringcentral.com', true],
    ['http://media.ringcentral.com/restapi/v1.0/x', server, false],
    ['https://media.ringcentral.com.evil.example/restapi/v1.0/x', server, false],
    ['https://evilringcentral.com/restapi/v1.0/x', server, false],
    ['https://example.com/restapi/v1.0/x', server, false],
    ['http://127.0.0.1:4010/restapi/v1.0/x', 'http://127.0.0.1:4010', true],
    ['http://127.0.0.1:4011/restapi/v1.0/x', 'http://127.0.0.1:4010', false],
    ['/restapi/v1.0/x', server, false],
    ['not a uri', server, false],
  ];
  it.each(rows)('%s (server %s) → %s', (uri, serverUrl, trusted) => {
    expect(isRingCentralUri(uri, serverUrl)).toBe(trusted);
  });
});
