/**
 * @pq-crypto-api/client: a typed client for the post-quantum crypto API, for browsers and Node.
 *
 * ```ts
 * import { PqcClient, encapsulateLocally } from '@pq-crypto-api/client';
 * const api = new PqcClient({ baseUrl: 'https://pqc.example.com', token: 'a token from POST /v1/tokens' });
 * const pair = await api.kem.keypair();
 * ```
 * @module
 */
export { PqcClient, TransportError, type CallInput, type CallOptions, type ClientOptions, type LoggedIn, type LoginOptions, type PathParams, type RequestBody, type ResponseBody, type SealedOptions } from './client.ts';
export { parseKeyConfigs, SealedKeysError, SealedResponseError, type OhttpKeyConfig, type SealedAead, type SealedKem } from './sealed.ts';
export * from './errors.ts';
export * from './local.ts';
export { contentDigest, generateClientKey, LOGIN_INFO_CONTEXT, openLoginInfo, sessionKey, signatureHeaders, type ClientSigner, type ClientSigningAlgorithm, type LoginInfo, type SessionKem, type SessionKey } from './signer.ts';
export * from './challenges.ts';
export {
  hpkeDeriveKeyPair,
  hpkeGenerateKeyPair,
  hpkeOpen,
  hpkePublicKey,
  hpkeSerializePrivateKey,
  hpkeSetupRecipient,
  hpkeSetupSender,
  hpkeSuite,
  HpkeOpenError,
  HPKE_AEADS,
  HPKE_KDFS,
  HPKE_KEMS,
  type HpkeAeadName,
  type HpkeKdfName,
  type HpkeKemName,
  type HpkeKeyPair,
  type HpkeOpenOptions,
  type HpkePrivateKey,
  type HpkeRecipientContext,
  type HpkeRecipientKey,
  type HpkeSenderContext,
  type HpkeSuite,
} from './hpke.ts';
export { fromBase64, toBase64 } from './encoding.ts';
export { OPERATIONS, type OperationId } from './operations.ts';
export type { components, operations, paths } from './openapi.ts';
