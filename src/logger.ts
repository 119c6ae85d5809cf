import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Anything that could carry a credential is redacted by path, so a stray
 * `log.info({ auth })` cannot leak a token, the client secret or the JWT.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          '*.access_token', '*.refresh_token', '*.jwt', '*.clientSecret', '*.client_secret', '*.assertion',
          '*.authorization', '*.Authorization', 'access_token', 'refresh_token', 'jwt', 'clientSecret',
          'config.ringcentral',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
