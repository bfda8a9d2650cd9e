/**
 * The logger (pino, JSON lines). Credentials never reach it: the Authorization header is redacted
 * at the source, and request logs carry the tenant and token id, never the token.
 * @module
 */
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'pq-crypto-api' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization', '*.token', '*.new_token', '*.shared_key', '*.key'],
      censor: '[redacted]',
    },
  });
}
