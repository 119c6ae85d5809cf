import { describe, expect, it } from 'vitest';
import { MalformedPayloadError } from '../../src/errors.ts';
import { nextPageNumber } from '../../src/ringcentral/endpoints.ts';

const nav = (uri?: string) => ({ firstPage: { uri: 'https://platform.ringcentral.com/restapi/v1.0/account/1/call-log?page=1' }, ...(uri ? { nextPage: { uri } } : {}) });

describe('nextPageNumber', () => {
  it('follows navigation.nextPage, reading its page number', () => {
    expect(nextPageNumber(nav('https://platform.ringcentral.com/restapi/v1.0/account/1/call-log?view=Detailed&page=3&perPage=1000'), 2, 1000, 'p')).toBe(3);
  });

  it('ends when there is no nextPage, whatever totalPages would say', () => {
    expect(nextPageNumber(nav(), 4, 1000, 'p')).toBeUndefined();
    expect(nextPageNumber(undefined, 1, 0, 'p')).toBeUndefined();
  });

  it('ends on an empty page even if navigation points further', () => {
    expect(nextPageNumber(nav('https://x/call-log?page=2'), 1, 0, 'p')).toBeUndefined();
  });

  it('never goes backwards or stays: a nextPage without a usable page number means page + 1', () => {
    expect(nextPageNumber(nav('https://x/call-log?page=1'), 5, 1000, 'p')).toBe(6);
    expect(nextPageNumber(nav('https://x/call-log'), 5, 1000, 'p')).toBe(6);
  });

  it('rejects malformed navigation with an error naming the page', () => {
    expect(() => nextPageNumber({ nextPage: 'page 2' }, 1, 10, 'call-log page 1')).toThrow(MalformedPayloadError);
    expect(() => nextPageNumber({ nextPage: 'page 2' }, 1, 10, 'call-log page 1')).toThrow('call-log page 1: "navigation" is malformed');
  });
});
