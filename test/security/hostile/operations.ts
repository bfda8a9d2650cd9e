/**
 * The operations to attack, read from the running server's /openapi.json: every path and method,
 * its path and query parameters and its JSON body's fields (with $refs resolved). Endpoints added
 * later are attacked without touching the suite. Not a test file itself.
 */

/** The subset of JSON Schema the generators look at. */
export interface FieldSchema {
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly example?: unknown;
  readonly default?: unknown;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly items?: FieldSchema;
  readonly properties?: Readonly<Record<string, FieldSchema>>;
  readonly required?: readonly string[];
  readonly anyOf?: readonly FieldSchema[];
  readonly oneOf?: readonly FieldSchema[];
}

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required: boolean;
  readonly schema: FieldSchema;
}

export interface Operation {
  /** Lower case, as in OpenAPI: 'get', 'post', ... */
  readonly method: string;
  /** OpenAPI template: /v1/tokens/{token_id}. */
  readonly path: string;
  readonly operationId: string;
  readonly parameters: readonly Parameter[];
  /** Fields of the JSON body, when the operation takes one. */
  readonly body?: { readonly properties: Readonly<Record<string, FieldSchema>>; readonly required: readonly string[] };
  /** Fields of the JSON answer of each 2xx status, when documented. */
  readonly responses: Readonly<Record<number, { readonly properties: readonly string[]; readonly required: readonly string[] }>>;
  /** Whether the operation needs credentials (security not emptied). */
  readonly secured: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function resolver(doc: Json) {
  const resolve = (schema: Json, depth = 0): Json => {
    if (!schema || typeof schema !== 'object' || depth > 20) return schema;
    if (typeof schema.$ref === 'string') {
      const target = schema.$ref.replace(/^#\//, '').split('/').reduce((o: Json, k: string) => o?.[k], doc);
      return resolve(target, depth + 1);
    }
    const out: Json = Array.isArray(schema) ? [] : {};
    for (const [k, v] of Object.entries(schema)) out[k] = resolve(v, depth + 1);
    return out;
  };
  return resolve;
}

export function operationsOf(doc: Json): Operation[] {
  const resolve = resolver(doc);
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const [method, raw] of Object.entries<Json>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = resolve(raw);
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      const responses: Record<number, { properties: string[]; required: string[] }> = {};
      for (const [status, r] of Object.entries<Json>(op.responses ?? {})) {
        const s = r?.content?.['application/json']?.schema;
        if (Number(status) < 300 && s?.properties) responses[Number(status)] = { properties: Object.keys(s.properties), required: s.required ?? [] };
      }
      ops.push({
        method,
        path,
        operationId: op.operationId ?? `${method} ${path}`,
        parameters: (op.parameters ?? []).map((p: Json) => ({ name: p.name, in: p.in, required: Boolean(p.required), schema: p.schema ?? {} })),
        ...(bodySchema?.properties ? { body: { properties: bodySchema.properties, required: bodySchema.required ?? [] } } : {}),
        responses,
        secured: !(Array.isArray(op.security) && op.security.length === 0) && path.startsWith('/v1'),
      });
    }
  }
  return ops;
}

/** The operation a request target reaches (case-insensitive, trailing slash ignored), if any. */
export function operationFor(ops: readonly Operation[], method: string, target: string): Operation | undefined {
  const path = target.split('?')[0]!.replace(/\/+$/, '').toLowerCase();
  const matching = ops.filter((op) => {
    if (op.method !== method.toLowerCase() && !(op.method === 'get' && method.toUpperCase() === 'HEAD')) return false;
    const re = new RegExp(`^${op.path.toLowerCase().replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return re.test(path);
  });
  // A literal path beats a template (/v1/tokens/current over /v1/tokens/{token_id}).
  return matching.sort((a, b) => a.path.split('{').length - b.path.split('{').length)[0];
}
