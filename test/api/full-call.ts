const party = '{ phoneNumber extensionNumber extensionId name location }';
const extension = '{ id extensionNumber name type status }';
const recording = '{ id type contentUri }';

/** Every field of a call, legs, voicemail, callback and extension included: what a CRM sync would ask for. */
export const FULL_CALL = `{ id accountId sessionId telephonySessionId direction type startTime endTime durationSeconds from ${party} to ${party}
  result disposition dispositionReason final pendingReason deleted callback { secondsAfterEnd call { id } } extension ${extension}
  legs { position legType direction action result reason startTime durationSeconds from ${party} to ${party} extension ${extension} master recording ${recording} }
  recording ${recording} voicemail { id extension ${extension} from ${party} to ${party} creationTime durationSeconds readStatus transcriptionStatus
  audioContentUri availability link { method confidence secondsAfterCallStart } } lastModifiedTime updatedAt }`;
