/**
 * The operations to attack, read from the running server's /openapi.json: every path and method,
 * its path and query parameters and its JSON body's fields (with $refs resolved). Endpoints added
 * later are attacked without touching the suite. A body documented as `anyOf` a single form and a
 * batch form (`{ batch_input: [...] }`) is attacked as the single form, with `batch` set; so is
 * its answer (the single form's fields, or `batch_results`). Not a test file itself.
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

/** The fields of one documented JSON answer. */
export interface ResponseShape {
  readonly properties: readonly string[];
  readonly required: readonly string[];
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
  /** Fields of the JSON answer of each 2xx status (the single form's, for a batch operation), when documented. */
  readonly responses: Readonly<Record<number, ResponseShape>>;
  /** The operation also takes `{ batch_input: [...] }` (at most `maxItems` items) and answers `{ batch_results: [...] }`. */
  readonly batch?: { readonly maxItems: number };
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

/** The alternatives of a schema: its anyOf / oneOf branches, or itself. */
const branches = (schema: Json): Json[] => (Array.isArray(schema?.anyOf) ? schema.anyOf : Array.isArray(schema?.oneOf) ? schema.oneOf : [schema]);
const isBatchForm = (schema: Json) => Boolean(schema?.properties?.batch_input || schema?.properties?.batch_results);

export function operationsOf(doc: Json): Operation[] {
  const resolve = resolver(doc);
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const [method, raw] of Object.entries<Json>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = resolve(raw);
      const bodyForms = branches(op.requestBody?.content?.['application/json']?.schema);
      const bodySchema = bodyForms.find((s) => s?.properties && !isBatchForm(s));
      const batchForm = bodyForms.find((s) => s?.properties?.batch_input);
      const responses: Record<number, ResponseShape> = {};
      for (const [status, r] of Object.entries<Json>(op.responses ?? {})) {
        const s = branches(r?.content?.['application/json']?.schema).find((b) => b?.properties && !isBatchForm(b));
        if (Number(status) < 300 && s) responses[Number(status)] = { properties: Object.keys(s.properties), required: s.required ?? [] };
      }
      ops.push({
        method,
        path,
        operationId: op.operationId ?? `${method} ${path}`,
        parameters: (op.parameters ?? []).map((p: Json) => ({ name: p.name, in: p.in, required: Boolean(p.required), schema: p.schema ?? {} })),
        ...(bodySchema ? { body: { properties: bodySchema.properties, required: bodySchema.required ?? [] } } : {}),
        responses,
        ...(batchForm ? { batch: { maxItems: Number(batchForm.properties.batch_input.maxItems ?? 100) } } : {}),
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
