import { GraphQLError } from 'graphql';
import { DateTime } from './scalars.ts';
import { statusResolvers } from './status.ts';

/** Root fields whose resolvers have not landed yet answer with a clear error instead of a null. */
const notYet = (field: string) => () => {
  throw new GraphQLError(`Query.${field} is not served yet by this version of callsync`, { extensions: { code: 'NOT_IMPLEMENTED' } });
};

export const resolvers = {
  DateTime,
  Query: {
    ...statusResolvers.Query,
    call: notYet('call'),
    calls: notYet('calls'),
    callChanges: notYet('callChanges'),
    voicemail: notYet('voicemail'),
    voicemails: notYet('voicemails'),
    dispositionSummary: notYet('dispositionSummary'),
  },
};
