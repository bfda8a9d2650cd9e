/**
 * The signature base of RFC 9421 (HTTP Message Signatures) section 2.5, for requests: the exact
 * bytes an `ml-dsa-*` signature covers. Signer (sign.ts) and verifier (verify.ts) both build it
 * here, so what one signs the other checks.
 *
 * For each covered component, in the order the signer listed them: its identifier serialized as
 * an RFC 8941 string with its parameters, `: `, its value, LF; then the line
 * `"@signature-params": ` + the Inner List of the identifiers with the signature parameters, and
 * no LF after it. Values (section 2):
 * - `@method` (2.2.1): the method, unchanged (case-sensitive).
 * - `@target-uri` (2.2.2): the absolute target URI: scheme and authority normalized as below,
 *   path (empty becomes `/`) and query as received.
 * - `@authority` (2.2.3): host[:port] in lower case, the scheme's default port left out
 *   (RFC 9110 section 4.2.3).
 * - `@scheme` (2.2.4): lower case.
 * - `@request-target` (2.2.5): path and query as on the request line (origin-form).
 * - `@path` (2.2.6): the absolute path, `/` when empty; not decoded.
 * - `@query` (2.2.7): `?` and the query, or `?` alone when there is none.
 * - an HTTP field (2.1): its lower-case name; the values of all its lines, each stripped of
 *   leading and trailing whitespace and obsolete line folding, joined by `, `. A field that is
 *   absent makes the base fail (the signer said it was there).
 * Refused (the base is not built, SignatureBaseError 'unsupported-component'): `@query-param`,
 * `@status` (responses), `@signature-params` as a covered component, any other name starting with
 * `@`, upper-case names, and every component parameter (`sf`, `key`, `bs`, `req`, `tr`, `name`):
 * a client of this service has no need for them and a strict verifier is a smaller one. A name
 * listed twice is refused too (section 2.5, step 1: 'duplicate-component').
 *
 * Pure and browser-safe (no node: imports).
 * @module
 */
import { serializeInnerList, serializeItem, type InnerList, type Item, type Parameters } from 'structured-headers';

/** The parts of an HTTP request a signature can cover. */
export interface HttpRequestLike {
  readonly method: string;
  /** The absolute target URI, e.g. `https://api.example.com/v1/dsa/sign?x=1`. */
  readonly url: string;
  /** Field name (any case) -> value, or the values of each line (as node's `req.headers` gives them). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The content bytes (after any content coding), for Content-Digest. */
  readonly body?: Uint8Array | string | undefined;
}

/** Why a signature base could not be built (an internal reason: the HTTP layer answers one 401 for all). */
export type BaseFailure = 'unsupported-component' | 'duplicate-component' | 'missing-component' | 'bad-url';

export class SignatureBaseError extends Error {
  constructor(
    readonly reason: BaseFailure,
    detail: string,
  ) {
    super(detail);
    this.name = 'SignatureBaseError';
  }
}

/** The derived components this module builds (RFC 9421 section 2.2, request side). */
export const DERIVED_COMPONENTS = Object.freeze(['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query'] as const);
export type DerivedComponent = (typeof DERIVED_COMPONENTS)[number];

const DEFAULT_PORTS: Readonly<Record<string, string>> = Object.freeze({ http: '80', https: '443' });

/** RFC 3986 section 3: scheme "://" authority path-abempty [ "?" query ] [ "#" fragment ]. */
const ABSOLUTE_URI = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(?:#.*)?$/;

interface UrlParts {
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  /** With its `?`, or '' when the URI has none. */
  readonly query: string;
}

function splitUrl(url: string): UrlParts {
  const m = ABSOLUTE_URI.exec(url);
  if (!m) throw new SignatureBaseError('bad-url', 'the target URI is not absolute');
  const scheme = m[1]!.toLowerCase();
  // Userinfo is not part of an HTTP authority (RFC 9110 section 4.2.4).
  let authority = m[2]!.replace(/^.*@/, '').toLowerCase();
  const port = /:(\d*)$/.exec(authority);
  if (port && (port[1] === '' || port[1] === DEFAULT_PORTS[scheme])) authority = authority.slice(0, port.index);
  if (authority === '') throw new SignatureBaseError('bad-url', 'the target URI has no authority');
  return { scheme, authority, path: m[3] || '/', query: m[4] ?? '' };
}

/** The value of a derived component for this request. */
export function derivedComponent(name: DerivedComponent, request: HttpRequestLike): string {
  if (name === '@method') return request.method;
  const u = splitUrl(request.url);
  switch (name) {
    case '@target-uri':
      return `${u.scheme}://${u.authority}${u.path}${u.query}`;
    case '@authority':
      return u.authority;
    case '@scheme':
      return u.scheme;
    case '@request-target':
      return `${u.path}${u.query}`;
    case '@path':
      return u.path;
    case '@query':
      return u.query === '' ? '?' : u.query;
  }
}

/**
 * The lines of a field (name in lower case), or undefined when the request has none. Header
 * records are matched without regard to case, as field names are case-insensitive.
 */
function fieldLines(request: HttpRequestLike, name: string): readonly string[] | undefined {
  const lines: string[] = [];
  let found = false;
  for (const [key, value] of Object.entries(request.headers)) {
    if (value === undefined || key.toLowerCase() !== name) continue;
    found = true;
    if (typeof value === 'string') lines.push(value);
    else lines.push(...value);
  }
  return found ? lines : undefined;
}

/** RFC 9421 section 2.1: the canonical value of a field, or undefined when absent. */
export function fieldValue(request: HttpRequestLike, name: string): string | undefined {
  const lines = fieldLines(request, name);
  // Obsolete line folding (RFC 9112 section 5.2) becomes one space; then trim each line.
  return lines?.map((line) => line.replace(/\r?\n[ \t]+/g, ' ').trim()).join(', ');
}

const isDerived = (name: string): name is DerivedComponent => (DERIVED_COMPONENTS as readonly string[]).includes(name);

/** An RFC 9110 field name (token) in lower case. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * Checks one covered component identifier (as parsed from Signature-Input) and gives its name.
 * @throws SignatureBaseError('unsupported-component') for anything this module does not build.
 */
export function componentName(item: Item): string {
  const [name, params] = item;
  if (typeof name !== 'string') throw new SignatureBaseError('unsupported-component', 'a component identifier is not a string');
  if (params.size > 0) throw new SignatureBaseError('unsupported-component', `component parameters are not supported (${name})`);
  if (name.startsWith('@')) {
    if (!isDerived(name)) throw new SignatureBaseError('unsupported-component', `the derived component ${name} is not supported`);
  } else if (!FIELD_NAME.test(name) || name === 'signature' || name === 'signature-input') {
    throw new SignatureBaseError('unsupported-component', `${JSON.stringify(name)} is not a lower-case field name this service signs`);
  }
  return name;
}

/** The Inner List that `Signature-Input` carries for one signature: covered components and parameters. */
export type SignatureInput = InnerList;

/** Builds the Inner List for components (names, in order) and parameters (in order). */
export function signatureInput(components: readonly string[], params: Parameters): SignatureInput {
  return [components.map((name): Item => [name, new Map()]), params];
}

/**
 * The signature base (RFC 9421 section 2.5) of a request for one signature input. `@signature-params`
 * is the input re-serialized (section 3.2 step 6: the parsed value, serialized by RFC 8941 rules).
 * @throws SignatureBaseError naming the reason.
 */
export function signatureBase(request: HttpRequestLike, input: SignatureInput): string {
  const [items] = input;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const item of items) {
    const name = componentName(item);
    if (seen.has(name)) throw new SignatureBaseError('duplicate-component', `${name} is covered twice`);
    seen.add(name);
    const value = isDerived(name) ? derivedComponent(name, request) : fieldValue(request, name);
    if (value === undefined) throw new SignatureBaseError('missing-component', `the request has no ${name} field`);
    // A line break would let one value forge the next line of the base; other bytes outside
    // visible ASCII are encoded differently by different stacks (node reads fields as latin1),
    // and RFC 9421 has `bs` for them, which this service does not take.
    if (!/^[\t\x20-\x7e]*$/.test(value)) throw new SignatureBaseError('unsupported-component', `the value of ${name} is not visible ASCII`);
    lines.push(`${serializeItem(item)}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(input)}`);
  return lines.join('\n');
}
