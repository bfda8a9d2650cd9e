/**
 * The shape of the CLI's command table. commands.ts holds one CommandSpec per operation of the
 * API, generated from the server's OpenAPI document by packages/client/scripts/generate.ts, so a
 * new operation becomes a command (flags, help, checks) without a hand edit here.
 * @module
 */

/** A field's JSON type as the CLI reads it from a flag. `json` is an object or array of objects: JSON text. */
export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'string[]' | 'integer[]' | 'number[]' | 'boolean[]' | 'json';

export interface FieldSpec {
  /** The API's name (snake_case): the body field, query or path parameter. */
  readonly name: string;
  /** The flag without its dashes: the name in kebab-case (`key_id` -> `key-id`). */
  readonly flag: string;
  readonly in: 'path' | 'query' | 'body';
  readonly type: FieldType;
  readonly required: boolean;
  /**
   * Free text (a string with no format, enum or pattern: `data`, `aad`): a file's or stdin's
   * contents are sent exactly as they are. Every other value read from a file is trimmed.
   */
  readonly text?: boolean;
  /** The OpenAPI string format (`byte`: base64). */
  readonly format?: string;
  readonly enum?: readonly (string | number)[];
  readonly default?: string | number | boolean;
  /** A short example value from the document, for the help's example line. */
  readonly example?: string | number | boolean;
  readonly description?: string;
}

export interface CommandSpec {
  readonly operationId: string;
  /** The first camelCase word of the operationId (`kem`), or null for a one-word operation (`healthz`). */
  readonly group: string | null;
  /** The rest of the operationId in kebab-case (`keypair`, `kem-encapsulate-key`), or the one word. */
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly tag?: string;
  readonly summary?: string;
  readonly description?: string;
  /** Whether the operation needs a credential (Authorization: Bearer). */
  readonly auth: boolean;
  /** Whether it takes a JSON body (then `--body` is accepted). */
  readonly body: boolean;
  readonly fields: readonly FieldSpec[];
  /**
   * When the body is one of several forms (a single item or `batch_input`), the required fields of
   * each form: a call must give all of one of them. Fields required by every form are `required`.
   */
  readonly alternatives?: readonly (readonly string[])[];
  readonly response: {
    readonly status: number;
    /** `none` for 204 (nothing is printed), `text` for text/plain (printed as it is). */
    readonly type: 'json' | 'text' | 'none';
    /** The top-level fields of a JSON answer, for `--field` and the help. */
    readonly fields: readonly string[];
  };
}
