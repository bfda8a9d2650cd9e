/**
 * Signs a JWT payload as the server under test would (TOKEN_SIGNING): HS256 under TOKEN_SECRET,
 * or an RFC 9964 JWS under the ML-DSA key derived from MASTER_KEY and TOKEN_KEY_VERSION. For
 * tests that need correctly signed tokens with chosen claims (the claims checks behind the
 * signature). `iss` and `aud` are added as the service adds them, unless the payload has them.
 */
import jwt from 'jsonwebtoken';
import { tokenSigningKey } from '../../src/auth/token-keys.ts';
import type { Config } from '../../src/config.ts';
import { dsaSign } from '../../src/crypto/dsa.ts';

export function signAsServer(config: Config, payload: Record<string, unknown>): string {
  if (config.tokenSigning === 'HS256') return jwt.sign(payload, Buffer.from(config.tokenSecret), { algorithm: 'HS256' });
  const key = tokenSigningKey(config.tokenSigning, config.masterKey, config.tokenKeyVersion);
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: key.alg, kid: key.kid, typ: 'JWT' })}.${b64({ iat: Math.floor(Date.now() / 1000), ...payload })}`;
  return `${input}.${Buffer.from(dsaSign(key.alg, key.seed, Buffer.from(input))).toString('base64url')}`;
}

/** The header a token minted by this server has. */
export function expectedHeader(config: Config): Record<string, unknown> {
  if (config.tokenSigning === 'HS256') return { alg: 'HS256', typ: 'JWT' };
  return { alg: config.tokenSigning, kid: tokenSigningKey(config.tokenSigning, config.masterKey, config.tokenKeyVersion).kid, typ: 'JWT' };
}
