/**
 * An independent RFC 9421 signer for tests: the signature base written out here from the RFC
 * (section 2.5: one line per covered component, `"<name>": <value>`, then `"@signature-params":`
 * and the serialized inner list, no trailing LF), Content-Digest from RFC 9530 section 2
 * (`sha-256=:<base64>:`) with node:crypto, and ML-DSA from @noble/post-quantum directly
 * (draft-skokan-httpbis-message-signatures-ml-dsa: pure ML-DSA, empty context). Nothing of
 * src/httpsig/ is used, so a test signed with it checks the service against the RFC, not against
 * itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';

export type Alg = 'ml-dsa-44' | 'ml-dsa-65' | 'ml-dsa-87';
const IMPL = { 'ml-dsa-44': ml_dsa44, 'ml-dsa-65': ml_dsa65, 'ml-dsa-87': ml_dsa87 } as const;

export interface ClientKeys {
  readonly alg: Alg;
  readonly algorithm: 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export function clientKeys(alg: Alg = 'ml-dsa-65'): ClientKeys {
  const { publicKey, secretKey } = IMPL[alg].keygen(randomBytes(32));
  return { alg, algorithm: alg.toUpperCase() as ClientKeys['algorithm'], publicKey, secretKey };
}

export interface SignOptions {
  readonly keyid: string;
  readonly keys: ClientKeys;
  /** The method and absolute URL the signature covers. */
  readonly method: string;
  readonly url: string;
  readonly body?: string;
  /** Seconds; default now. */
  readonly created?: number;
  readonly nonce?: string;
  /** The alg parameter; default the keys' own. */
  readonly alg?: string;
  readonly label?: string;
}

export function contentDigest(body: string): string {
  return `sha-256=:${createHash('sha256').update(body, 'utf8').digest('base64')}:`;
}

/** The headers to send: Signature-Input, Signature, and Content-Digest (+ Content-Type) for a body. */
export function sign(o: SignOptions): Record<string, string> {
  const components: [string, string][] = [
    ['@method', o.method],
    ['@target-uri', o.url],
  ];
  const headers: Record<string, string> = {};
  if (o.body !== undefined) {
    headers['content-digest'] = contentDigest(o.body);
    headers['content-type'] = 'application/json';
    components.push(['content-digest', headers['content-digest']]);
  }
  const created = o.created ?? Math.floor(Date.now() / 1000);
  const nonce = o.nonce ?? randomBytes(16).toString('base64url');
  const params = `(${components.map(([name]) => `"${name}"`).join(' ')});created=${created};nonce="${nonce}";alg="${o.alg ?? o.keys.alg}";keyid="${o.keyid}"`;
  const base = [...components.map(([name, value]) => `"${name}": ${value}`), `"@signature-params": ${params}`].join('\n');
  const signature = IMPL[o.keys.alg].sign(new TextEncoder().encode(base), o.keys.secretKey);
  const label = o.label ?? 'sig1';
  headers['signature-input'] = `${label}=${params}`;
  headers.signature = `${label}=:${Buffer.from(signature).toString('base64')}:`;
  return headers;
}

/** Sends a signed request with fetch; the answer's status, headers and parsed body. */
export async function signedFetch(base: string, method: string, path: string, o: Omit<SignOptions, 'method' | 'url'> & { /** The origin the signature names (PUBLIC_URL), when not `base`. */ readonly signBase?: string; readonly sendMethod?: string; readonly sendPath?: string; readonly sendBody?: string; readonly extraHeaders?: Record<string, string> }) {
  const headers = { ...sign({ ...o, method, url: (o.signBase ?? base) + path }), ...o.extraHeaders };
  const res = await fetch(base + (o.sendPath ?? path), { method: o.sendMethod ?? method, headers, body: o.sendBody ?? o.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: body as any, sent: headers };
}
