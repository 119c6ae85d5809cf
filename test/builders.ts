import type { CallLogEntry, CallLogRecord } from '../src/ringcentral/payloads.ts';

let counter = 0;

/** A Detailed call-log record in RingCentral's shape (see the seed thread), with overrides. */
export function makeCallRecord(overrides: Partial<CallLogRecord> & Record<string, unknown> = {}): CallLogRecord {
  counter++;
  const id = overrides.id ?? `REC${String(counter).padStart(12, '0')}`;
  const startTime = overrides.startTime ?? new Date(Date.UTC(2026, 10, 20, 9, 0, counter % 60)).toISOString();
  return {
    uri: `https://platform.ringcentral.com/restapi/v1.0/account/37439510/call-log/${id}?view=Detailed`,
    id,
    sessionId: String(14860368000 + counter),
    telephonySessionId: `s-a0d17a1${counter}`,
    startTime,
    duration: 100,
    durationMs: 100_000,
    type: 'Voice',
    internalType: 'Local',
    direction: 'Inbound',
    action: 'Phone Call',
    result: 'Accepted',
    reason: 'Accepted',
    to: { phoneNumber: '+16505819987', name: 'Benno Dean' },
    from: { phoneNumber: '+14158905908', name: 'SAN FRANCISCO CA', location: 'San Francisco (Juniper), CA' },
    extension: { uri: 'https://platform.ringcentral.com/restapi/v1.0/account/37439510/extension/133165004', id: 133165004 as unknown as string },
    transport: 'PSTN',
    lastModifiedTime: new Date(Date.parse(startTime) + 130_000).toISOString(),
    legs: [
      {
        startTime,
        duration: 100,
        type: 'Voice',
        direction: 'Inbound',
        action: 'Phone Call',
        result: 'Accepted',
        to: { phoneNumber: '+16505819987', name: 'Benno Dean' },
        from: { phoneNumber: '+14158905908' },
        transport: 'PSTN',
        legType: 'Accept',
        master: true,
        extension: { uri: 'https://platform.ringcentral.com/restapi/v1.0/account/37439510/extension/133165004', id: 133165004 as unknown as string },
      },
    ],
    ...overrides,
  } as CallLogRecord;
}

/** Wraps records as the call-log entries the store takes. */
export const entries = (...records: CallLogRecord[]): CallLogEntry[] => records.map((record) => ({ kind: 'record', record, raw: record }));
