/**
 * `pqc clients register` and `pqc login` (docs/clients.md): the registered client's side, with
 * its key made and kept on this machine.
 *
 * - `pqc clients register --name N` makes an ML-DSA key pair here, registers its public key with
 *   the credential in use (clients:manage), and prints the client with its `seed`: keep that
 *   answer private (`> client.json; chmod 600 client.json`), it is the client's secret key.
 * - `pqc login --body @client.json --device-description D` signs POST /v1/sessions with that key,
 *   checks login_info_signature under the pinned attestation key (--attestation-key; else it asks
 *   GET /v1/keys/attestation, trust on first use), opens login_info with a fresh session key and
 *   prints it: the session's `token`, `session_id`, `expires_at`, ...
 * @module
 */
import { PqcClient } from '../client.ts';
import { generateClientKey, type ClientSigningAlgorithm } from '../signer.ts';
import { LocalCryptoError } from '../local.ts';
import type { FieldSpec } from './spec.ts';

/** Where the service is and as whom, as every API command gets it. */
export interface Service {
  readonly url: string;
  readonly token: string | undefined;
}

export interface ServiceCommand {
  readonly group: string | null;
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly fields: readonly FieldSpec[];
  /** Calls the service (not a local-only command). */
  readonly service: true;
  run(values: Readonly<Record<string, unknown>>, service: Service): Promise<unknown>;
}

const ALGORITHMS = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const;
const field = (name: string, required: boolean, description: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, flag: name.replace(/_/g, '-'), in: 'body', type: 'string', required, description, ...extra });
const text = (values: Readonly<Record<string, unknown>>, name: string): string | undefined => (values[name] === undefined ? undefined : String(values[name]));

export const CLIENT_COMMANDS: readonly ServiceCommand[] = Object.freeze([
  {
    group: 'clients',
    name: 'register',
    summary: 'Make a client key pair here and register its public key',
    description:
      'Makes an ML-DSA key pair on this machine and registers its public key (POST /v1/clients, needs clients:manage). Prints the client with `seed`, its secret key: save the answer where only the client can read it (pqc clients register --name laptop > client.json; chmod 600 client.json) and log in with pqc login --body @client.json.',
    service: true,
    fields: [
      field('name', true, 'A name for people.'),
      field('algorithm', false, 'The ML-DSA set of the key.', { enum: ALGORITHMS, default: 'ML-DSA-65' }),
      field('scopes', false, "What the client may do: a subset of yours (default: all of yours).", { type: 'string[]' }),
      field('expires_in', false, 'Seconds until the registration ends (default: never, or when your credential ends).', { type: 'integer' }),
    ],
    async run(values, service) {
      const algorithm = (text(values, 'algorithm') ?? 'ML-DSA-65') as ClientSigningAlgorithm;
      if (!ALGORITHMS.includes(algorithm as never)) throw new LocalCryptoError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
      const key = generateClientKey(algorithm);
      const api = new PqcClient({ baseUrl: service.url, ...(service.token !== undefined ? { token: service.token } : {}) });
      const client = await api.clients.register({
        name: String(values.name),
        signing_key: { algorithm, pk: key.publicKey },
        ...(values.scopes !== undefined ? { scopes: values.scopes as never } : {}),
        ...(values.expires_in !== undefined ? { expires_in: Number(values.expires_in) } : {}),
      });
      return { ...client, algorithm, seed: key.seed };
    },
  },
  {
    group: null,
    name: 'login',
    summary: "Log in as a registered client: a session token sealed to a fresh key",
    description:
      'Signs POST /v1/sessions with the client\'s own key (client_id, algorithm and seed: the answer of pqc clients register, given as --body @client.json), checks login_info_signature under the tenant\'s attestation key (--attestation-key, pinned once; without it GET /v1/keys/attestation is asked: trust on first use), opens login_info with a fresh X-Wing session key and prints it: token, session_id, token_id, expires_at, attempts_left, scopes. No PQC_TOKEN needed.',
    service: true,
    fields: [
      field('client_id', true, 'The registered client.'),
      field('algorithm', true, "The client key's ML-DSA set: ML-DSA-44, ML-DSA-65 or ML-DSA-87."),
      field('seed', true, "The client's secret ML-DSA seed (base64), as pqc clients register printed it.", { format: 'byte' }),
      field('device_description', true, 'What this device is, for the open-sessions overview.'),
      field('attestation_key', false, "The tenant's pinned attestation key (base64 ML-DSA-65 public key).", { format: 'byte' }),
      field('expiry_time', false, "The session's lifetime in seconds.", { type: 'integer' }),
      field('expire_after_attempts', false, 'How many requests its token may make.', { type: 'integer' }),
    ],
    async run(values, service) {
      const algorithm = String(values.algorithm) as ClientSigningAlgorithm;
      if (!ALGORITHMS.includes(algorithm as never)) throw new LocalCryptoError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
      const api = new PqcClient({ baseUrl: service.url, signer: { clientId: String(values.client_id), algorithm, seed: String(values.seed) } });
      const { info } = await api.login({
        deviceDescription: String(values.device_description),
        ...(values.attestation_key !== undefined ? { attestationKey: String(values.attestation_key) } : {}),
        ...(values.expiry_time !== undefined ? { expiryTime: Number(values.expiry_time) } : {}),
        ...(values.expire_after_attempts !== undefined ? { expireAfterAttempts: Number(values.expire_after_attempts) } : {}),
      });
      return info;
    },
  },
]);
