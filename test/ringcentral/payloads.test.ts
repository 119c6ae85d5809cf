import { describe, expect, it } from 'vitest';
import { MalformedPayloadError } from '../../src/errors.ts';
import { parseCallLogRecords, parseExtensions } from '../../src/ringcentral/payloads.ts';
import { makeCallRecord } from '../builders.ts';

describe('parseCallLogRecords', () => {
  it('accepts real shapes and keeps unknown fields in the raw record', () => {
    const record = { ...makeCallRecord(), someFutureField: { nested: true } };
    const [entry] = parseCallLogRecords([record], 'page 1');
    expect(entry).toMatchObject({ kind: 'record', raw: record });
  });

  it('names the record and the field when a record is malformed', () => {
    const good = makeCallRecord();
    const bad = { ...makeCallRecord({ id: 'BAD1' }), startTime: 'yesterday' };
    expect(() => parseCallLogRecords([good, bad], 'call-log page 3')).toThrow(MalformedPayloadError);
    expect(() => parseCallLogRecords([good, bad], 'call-log page 3')).toThrow('call-log page 3: record 1 (id BAD1) has a bad "startTime": is not an ISO 8601 date-time');
  });

  it('rejects a record without an id', () => {
    const { id: _id, ...noId } = makeCallRecord();
    expect(() => parseCallLogRecords([noId], 'p')).toThrow(/record 0 has a bad "id"/);
  });

  it('rejects a page whose records are not an array', () => {
    expect(() => parseCallLogRecords({}, 'p')).toThrow('p: "records" is not an array');
  });

  it('turns a bare deletion (only id and deleted) into a tombstone', () => {
    expect(parseCallLogRecords([{ id: 'X1', deleted: true }], 'p')).toEqual([{ kind: 'tombstone', id: 'X1' }]);
  });

  it('accepts int64 extension ids as numbers, bigints or strings', () => {
    const [entry] = parseCallLogRecords([makeCallRecord({ extension: { id: 8031152018338945839n as unknown as string, uri: 'u' } })], 'p');
    expect(entry!.kind === 'record' && entry!.record.extension?.id).toBe('8031152018338945839');
  });
});

describe('parseExtensions', () => {
  it('names a bad extension record', () => {
    expect(() => parseExtensions([{ id: 1, name: 'a' }, { name: 'no id' }], 'extension list page 1')).toThrow(/extension 1 has a bad "id"/);
  });
});
