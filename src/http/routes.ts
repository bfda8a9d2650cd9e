/**
 * Every route the service answers, in the order the OpenAPI document lists them: the /v1 API,
 * then the seed vendor's paths (docs/compatibility.md), each a mapping onto the same operations.
 * @module
 */
import type { Config } from '../config.ts';
import type { AnyRoute } from './route.ts';
import { auditListRoute } from './routes/audit-list.ts';
import { challengesCreateRoute } from './routes/challenges-create.ts';
import { challengesValidateRoute } from './routes/challenges-validate.ts';
import { aesDecryptRoute } from './routes/aes-decrypt.ts';
import { aesEncryptRoute } from './routes/aes-encrypt.ts';
import { compatKemDecapsulateKeyRoute } from './routes/compat-kem-decapsulate-key.ts';
import { compatKemEncapsulateKeyRoute } from './routes/compat-kem-encapsulate-key.ts';
import { compatKemGenerateKeysRoutes } from './routes/compat-kem-generate-keys.ts';
import { compatSignatureSignRoute } from './routes/compat-signature-sign.ts';
import { compatSignatureVerifyRoute } from './routes/compat-signature-verify.ts';
import { compatPqcKemDecapsulateRoute } from './routes/compat-pqc-kem-decapsulate.ts';
import { compatPqcKemEncapsulateRoute } from './routes/compat-pqc-kem-encapsulate.ts';
import { compatPqcKemGenerateKeysRoute } from './routes/compat-pqc-kem-generate-keys.ts';
import { compatPqcSignGenerateKeysRoute } from './routes/compat-pqc-sign-generate-keys.ts';
import { compatPqcSignSignRoute } from './routes/compat-pqc-sign-sign.ts';
import { compatPqcSignVerifyRoute } from './routes/compat-pqc-sign-verify.ts';
import { dsaSignRoute } from './routes/dsa-sign.ts';
import { dsaVerifyRoute } from './routes/dsa-verify.ts';
import { hpkeOpenRoute } from './routes/hpke-open.ts';
import { hpkeSealRoute } from './routes/hpke-seal.ts';
import { kemDecapsulateRoute } from './routes/kem-decapsulate.ts';
import { kemEncapsulateRoute } from './routes/kem-encapsulate.ts';
import { kemKeypairRoute } from './routes/kem-keypair.ts';
import { dsaKeypairRoute } from './routes/dsa-keypair.ts';
import { keysAttestationRoute } from './routes/keys-attestation.ts';
import { keysDeleteRoute, keysGetRoute, keysRotateRoute } from './routes/keys-get.ts';
import { keysListRoute } from './routes/keys-list.ts';
import { tokensCreateRoute } from './routes/tokens-create.ts';
import { tokensCurrentRoute } from './routes/tokens-current.ts';
import { tokensRevokeRoute } from './routes/tokens-revoke.ts';
import { clientsCreateRoute } from './routes/clients-create.ts';
import { clientsDeleteRoute, clientsGetRoute } from './routes/clients-get.ts';
import { clientsListRoute } from './routes/clients-list.ts';
import { sessionsCreateRoute } from './routes/sessions-create.ts';
import { sessionsDeleteRoute } from './routes/sessions-delete.ts';
import { sessionsListRoute } from './routes/sessions-list.ts';

export function buildRoutes(config: Config): AnyRoute[] {
  return [
    tokensCreateRoute({
      defaultTtlSeconds: config.tokenDefaultTtlSeconds,
      maxTtlSeconds: config.tokenMaxTtlSeconds,
      maxAttempts: config.tokenMaxAttempts,
    }),
    tokensCurrentRoute(),
    tokensRevokeRoute(),
    kemKeypairRoute(config.keyMaxExpiresInSeconds),
    kemEncapsulateRoute(),
    kemDecapsulateRoute(),
    dsaKeypairRoute(config.keyMaxExpiresInSeconds),
    dsaSignRoute(config.maxMessageBytes),
    dsaVerifyRoute(config.maxMessageBytes),
    aesEncryptRoute(config.maxMessageBytes),
    aesDecryptRoute(config.maxMessageBytes),
    hpkeSealRoute(config.maxMessageBytes),
    hpkeOpenRoute(config.maxMessageBytes),
    keysListRoute(),
    // Before keysGetRoute: /v1/keys/attestation is not a key id (no id pattern accepts it either).
    keysAttestationRoute(),
    keysGetRoute(),
    keysRotateRoute(),
    keysDeleteRoute(),
    challengesCreateRoute(),
    challengesValidateRoute(),
    auditListRoute(),
    // Clients with their own keys (docs/clients.md).
    clientsCreateRoute(config.keyMaxExpiresInSeconds),
    clientsListRoute(),
    clientsGetRoute(),
    clientsDeleteRoute(),
    sessionsCreateRoute({
      defaultTtlSeconds: config.tokenDefaultTtlSeconds,
      maxTtlSeconds: config.tokenMaxTtlSeconds,
      maxAttempts: config.tokenMaxAttempts,
    }),
    sessionsListRoute(),
    sessionsDeleteRoute(),
    // The seed vendor's paths, over the same handlers (docs/compatibility.md).
    ...compatKemGenerateKeysRoutes(),
    compatKemEncapsulateKeyRoute(),
    compatKemDecapsulateKeyRoute(),
    compatSignatureSignRoute(config.maxMessageBytes),
    compatSignatureVerifyRoute(config.maxMessageBytes),
    // The vendor's current client (src/pqc.js of the same example), trailing slashes as it sends them.
    compatPqcKemGenerateKeysRoute(),
    compatPqcKemEncapsulateRoute(),
    compatPqcKemDecapsulateRoute(),
    compatPqcSignGenerateKeysRoute(),
    compatPqcSignSignRoute(config.maxMessageBytes),
    compatPqcSignVerifyRoute(config.maxMessageBytes),
  ];
}
