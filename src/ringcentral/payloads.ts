import { z } from 'zod';
import { MalformedPayloadError } from '../errors.ts';

/**
 * The parts of RingCentral's payloads callsync reads, validated before anything is stored. Objects are
 * loose: unknown and future fields pass through untouched into the raw JSON.
 */

const instant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'is not an ISO 8601 date-time');
const id = z.union([z.string(), z.number(), z.bigint()]).transform(String);
const text = z.string().nullish();

const party = z
  .looseObject({
    phoneNumber: text,
    extensionNumber: text,
    extensionId: id.nullish(),
    name: text,
    location: text,
  })
  .nullish();

const recording = z.looseObject({ id: id, uri: text, type: text, contentUri: text }).nullish();
const message = z.looseObject({ id: id, type: text, uri: text }).nullish();
const extensionRef = z.looseObject({ id: id.nullish(), uri: text }).nullish();

const callCommon = {
  startTime: instant,
  duration: z.number().nullish(),
  durationMs: z.number().nullish(),
  type: text,
  direction: text,
  action: text,
  result: text,
  reason: text,
  reasonDescription: text,
  transport: text,
  internalType: text,
  telephonySessionId: text,
  from: party,
  to: party,
  extension: extensionRef,
  message,
  recording,
  shortRecording: z.boolean().nullish(),
};

export const callLogLegSchema = z.looseObject({
  ...callCommon,
  legType: text,
  master: z.boolean().nullish(),
  partyId: text,
});

export const callLogRecordSchema = z.looseObject({
  ...callCommon,
  id: z.string().min(1, 'is empty'),
  uri: text,
  sessionId: text,
  lastModifiedTime: instant.nullish(),
  deleted: z.boolean().nullish(),
  legs: z.array(callLogLegSchema).nullish(),
});

export type CallLogRecord = z.infer<typeof callLogRecordSchema>;
export type CallLogLeg = z.infer<typeof callLogLegSchema>;

export const extensionSchema = z.looseObject({
  id: id,
  uri: text,
  extensionNumber: text,
  name: text,
  type: text,
  status: text,
});
export type ExtensionRecord = z.infer<typeof extensionSchema>;

const navLink = z.looseObject({ uri: z.string() }).nullish();
export const navigationSchema = z
  .looseObject({ firstPage: navLink, nextPage: navLink, previousPage: navLink, lastPage: navLink })
  .nullish();

/** A call-log entry: a full record, or a deletion that carries too little to be stored as one. */
export type CallLogEntry = { kind: 'record'; record: CallLogRecord; raw: unknown } | { kind: 'tombstone'; id: string };

/**
 * Validates one page's records. A record that breaks the schema stops the page with an error that names the
 * record and the field, so nothing half-understood reaches the database. A deleted record that lacks the
 * fields of a full record (RingCentral may send only id + deleted) becomes a bare tombstone.
 */
export function parseCallLogRecords(records: unknown, where: string): CallLogEntry[] {
  if (!Array.isArray(records)) throw new MalformedPayloadError(`${where}: "records" is not an array`);
  return records.map((raw, index): CallLogEntry => {
    const parsed = callLogRecordSchema.safeParse(raw);
    if (parsed.success) return { kind: 'record', record: parsed.data, raw };
    const obj = raw as { id?: unknown; deleted?: unknown } | null;
    if (obj && obj.deleted === true && typeof obj.id === 'string' && obj.id) return { kind: 'tombstone', id: obj.id };
    throw new MalformedPayloadError(`${where}: record ${index}${describeId(raw)} ${describeIssue(parsed.error)}`);
  });
}

/** Validates a page of extensions, naming the first bad record. */
export function parseExtensions(records: unknown, where: string): ExtensionRecord[] {
  if (!Array.isArray(records)) throw new MalformedPayloadError(`${where}: "records" is not an array`);
  return records.map((raw, index) => {
    const parsed = extensionSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedPayloadError(`${where}: extension ${index}${describeId(raw)} ${describeIssue(parsed.error)}`);
    return parsed.data;
  });
}

function describeId(raw: unknown): string {
  const value = (raw as { id?: unknown } | null)?.id;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? ` (id ${value})` : '';
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join('.') || 'record';
  return `has a bad "${path}": ${issue.message}`;
}

const attachment = z.looseObject({ id: id.nullish(), uri: text, type: text, contentType: text, vmDuration: z.number().nullish() });

export const messageSchema = z.looseObject({
  id: id,
  uri: text,
  extensionId: id.nullish(),
  type: text,
  direction: text,
  creationTime: instant,
  lastModifiedTime: instant.nullish(),
  from: party,
  to: z.array(party).nullish(),
  readStatus: text,
  availability: text,
  vmTranscriptionStatus: text,
  attachments: z.array(attachment).nullish(),
});
export type MessageRecord = z.infer<typeof messageSchema>;

/** A message-store entry: a full message, or a deletion that message-sync reports as only id + availability. */
export type MessageEntry =
  | { kind: 'message'; message: MessageRecord; raw: unknown }
  | { kind: 'tombstone'; id: string; availability: string };

/**
 * Validates message-store records. message-sync reports deleted and purged messages with only `id` and
 * `availability`; those become tombstones. Anything else malformed stops the page with an error naming it.
 */
export function parseMessages(records: unknown, where: string): MessageEntry[] {
  if (!Array.isArray(records)) throw new MalformedPayloadError(`${where}: "records" is not an array`);
  return records.map((raw, index): MessageEntry => {
    const parsed = messageSchema.safeParse(raw);
    if (parsed.success) return { kind: 'message', message: parsed.data, raw };
    const obj = raw as { id?: unknown; availability?: unknown } | null;
    const bareId = obj && (typeof obj.id === 'number' || typeof obj.id === 'bigint' || typeof obj.id === 'string') ? String(obj.id) : undefined;
    if (bareId && typeof obj!.availability === 'string' && obj!.availability !== 'Alive') {
      return { kind: 'tombstone', id: bareId, availability: obj!.availability };
    }
    throw new MalformedPayloadError(`${where}: message ${index}${describeId(raw)} ${describeIssue(parsed.error)}`);
  });
}
