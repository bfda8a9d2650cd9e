/** GET /v1/keys/{key_id}, DELETE /v1/keys/{key_id}, POST /v1/keys/{key_id}/rotate: one stored key. */
import { encodeBase64 } from '../../crypto/encoding.ts';
import { describeKey, KeyDescriptionSchema } from '../key-view.ts';
import type { KeyType } from '../../stores/keys.ts';
import { deleteKey, resolveKey, rotateKey } from '../../operations/keys.ts';
import { cryptoCost } from '../cost.ts';
import { defineRoute, keyRefs } from '../route.ts';
import { anyKeyId, dsaKeyId } from '../schemas.ts';
import { DEMO } from '../examples.ts';
import { z } from '../zod.ts';

/** `example`: a demonstration key (examples.ts DEMO), so the default example works as it is. */
const keyIdParam = (example: string, schema = anyKeyId()) =>
  z.object({
    key_id: schema.openapi({ param: { name: 'key_id', in: 'path' }, description: 'A `key_id` (or `shared_key_id`) of yours.', example }),
  });

/** The key the path names, of the caller's tenant (404) and allowed to the credential (403). */
const pathKey = (types: readonly KeyType[], params: ReturnType<typeof keyIdParam>) => keyRefs(params, ({ key_id }, ctx) => resolveKey(ctx, types, key_id));

export function keysGetRoute() {
  const params = keyIdParam(DEMO.kemKeyId);
  return defineRoute({
    method: 'get',
    path: '/v1/keys/{key_id}',
    operationId: 'keysGet',
    tag: 'Keys',
    summary: 'Describe a stored key',
    description: "A stored key's public description: type, algorithm, creation, expiry, public key and (signing keys) versions. Never secret material. 404 when it is not the caller tenant's, or has expired or been deleted.",
    scope: 'keys:read',
    rateClass: 'read',
    request: { params },
    input: params,
    keys: pathKey(['kem', 'dsa', 'shared'], params),
    status: 200,
    response: KeyDescriptionSchema,
    responseDescription: 'The key.',
    async handle(_input, _ctx, key) {
      return describeKey(key!);
    },
  });
}

export function keysDeleteRoute() {
  // Its own demonstration key: deleting it leaves the others to the examples after it.
  const params = keyIdParam(DEMO.deletableKeyId);
  return defineRoute({
    method: 'delete',
    path: '/v1/keys/{key_id}',
    operationId: 'keysDelete',
    tag: 'Keys',
    summary: 'Delete a stored key',
    description:
      'Deletes the key everywhere at once: afterwards it answers 404 on every instance sharing the store, and nothing can be decapsulated, signed or decrypted with it. Signatures it made still verify under its public key given as `pk`. Deleting the default signing key makes the next `POST /v1/dsa/sign` without `key_id` create a new one.',
    scope: 'keys:manage',
    rateClass: 'read',
    request: { params },
    input: params,
    keys: pathKey(['kem', 'dsa', 'shared'], params),
    status: 204,
    responseDescription: 'Deleted.',
    // Like revocation, deletion only takes away: a 507 after the key is gone would say it lives.
    audit: { event: 'keys.delete', bestEffort: true },
    async handle(_input, ctx, key) {
      await deleteKey(ctx, key!);
      return undefined;
    },
  });
}

export function keysRotateRoute() {
  const params = keyIdParam(DEMO.dsaKeyId, dsaKeyId());
  const response = z
    .object({
      key_id: z.string().openapi({ example: 'dsa_3q2-7wAAAAC6vr6-vr6-vg' }),
      version: z.number().int().openapi({ description: 'The new version, which signs from now on.', example: 2 }),
      pk: z.string().openapi({ description: "The new version's public key, base64." }),
    })
    .openapi('KeyRotateResponse');
  return defineRoute({
    method: 'post',
    path: '/v1/keys/{key_id}/rotate',
    operationId: 'keysRotate',
    tag: 'Keys',
    summary: 'Rotate a signing key',
    cost: (_input, key, ctx) => (key?.type === 'dsa' ? cryptoCost(ctx, key.algorithm, 'keygen') : 0),
    description:
      'Adds a version to a signing key (same algorithm, new key pair): `POST /v1/dsa/sign` with this `key_id` signs with the new version from now on; every older version still verifies (`POST /v1/dsa/verify` with `key_id`, any version or `version`). Only signing keys (`dsa_`) have versions.',
    scope: 'keys:manage',
    rateClass: 'crypto',
    request: { params },
    input: params,
    keys: pathKey(['dsa'], params),
    status: 200,
    response,
    responseDescription: 'The new version.',
    audit: { event: 'keys.rotate' },
    // A key at MAX_KEY_VERSIONS.
    extraProblems: ['key-conflict'],
    async handle(_input, ctx, key) {
      const rotated = await rotateKey(ctx, key!);
      return { key_id: rotated.id, version: rotated.version, pk: encodeBase64(rotated.publicKey) };
    },
  });
}
