import { callResolvers } from './calls.ts';
import { mediaResolvers } from './media.ts';
import { DateTime } from './scalars.ts';
import { statusResolvers } from './status.ts';
import { summaryResolvers } from './summary.ts';
import { voicemailResolvers } from './voicemails.ts';

export const resolvers = {
  DateTime,
  Query: {
    ...statusResolvers.Query,
    ...callResolvers.Query,
    ...voicemailResolvers.Query,
    ...summaryResolvers.Query,
  },
  Call: callResolvers.Call,
  CallLeg: callResolvers.CallLeg,
  Voicemail: { ...voicemailResolvers.Voicemail, ...mediaResolvers.Voicemail },
  Recording: mediaResolvers.Recording,
};
