/**
 * The logger (pino, JSON lines). Credentials never reach it: the Authorization header is redacted
 * at the source, and request logs carry the tenant and token id, never the token.
 * @module
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** `destination` defaults to standard output (tests pass a stream to read what was logged). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'pq-crypto-api' },
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
        '*.token',
        '*.new_token',
        '*.shared_key',
        '*.key',
        // An ioredis ReplyError carries the whole command: key records with sealed seeds, token
        // ids. The Redis store already drops it; this is the second line.
        'err.command',
        'err.cause.command',
        'error.command',
      ],
      censor: '[redacted]',
    },
  }, destination);
}
