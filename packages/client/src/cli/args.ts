/**
 * The command line, read without a dependency: the command's words, the global options and the
 * command's field flags (named after the API's fields, snake_case as kebab-case), wherever they
 * appear. Values are read here too: `@path` is a file, `-` is stdin (once), arrays are
 * comma-separated or repeated, JSON fields parse as JSON. What a value means is the server's
 * business (it answers 422 naming the field); only an unknown flag, a missing required one or an
 * unreadable file is refused here, as a UsageError (exit 2).
 * @module
 */
import type { FieldSpec, FieldType } from './spec.ts';

export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose help to point to (`kem keypair`), when there is one. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** The options every command takes, wherever they appear on the line. */
export const GLOBAL_OPTIONS = Object.freeze({
  url: { type: 'string', value: 'URL', help: 'the service (env PQC_URL; default http://127.0.0.1:8080)' },
  token: { type: 'string', value: 'TOKEN', help: 'an API key or temporary token (env PQC_TOKEN); @file or - reads it from a file or stdin' },
  profile: { type: 'string', value: 'NAME', help: 'a profile of the profile file (env PQC_PROFILE)' },
  body: { type: 'string', value: 'JSON', help: 'the whole JSON body: inline, @file.json or - (stdin); flags override its fields' },
  field: { type: 'string', value: 'NAME', help: 'print one field of the answer raw (a string as it is; a.b.0 reaches inside)' },
  compact: { type: 'boolean', help: 'print JSON on one line (default: indented)' },
  retries: { type: 'string', value: 'N', help: 'resend a 429 rate-limited or a 503 up to N times, after its Retry-After (default 2)' },
  timeout: { type: 'string', value: 'SECONDS', help: 'give up after this long (exit 7)' },
  sealed: { type: 'boolean', help: 'send the call sealed through POST /ohttp (Oblivious HTTP with a post-quantum KEM; docs/sealed.md); env PQC_SEALED=1' },
  help: { type: 'boolean', help: 'this help, or a group\'s or a command\'s (-h)' },
  version: { type: 'boolean', help: 'the version of pqc' },
} as const);

export type GlobalName = keyof typeof GLOBAL_OPTIONS;
export type Globals = { -readonly [K in GlobalName]?: (typeof GLOBAL_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** Where values from `@path` and `-` come from (the real ones in main.ts, files and stdin). */
export interface ValueSource {
  readFile(path: string): Promise<Uint8Array>;
  readStdin(): Promise<Uint8Array>;
}

interface Option {
  readonly name: string;
  /** The value written after `=`, or undefined for `--flag` alone. */
  readonly value: string | undefined;
}

function option(token: string): Option | undefined {
  if (token === '-h') return { name: 'help', value: undefined };
  if (!token.startsWith('--') || token === '--') return undefined;
  const eq = token.indexOf('=');
  return eq < 0 ? { name: token.slice(2), value: undefined } : { name: token.slice(2, eq), value: token.slice(eq + 1) };
}

/** The words before the first flag-free argument list: what `pqc` was asked to do, and the rest. */
export function splitCommand(argv: readonly string[], isCommand: (words: readonly string[]) => 'more' | 'done' | 'unknown'): { words: string[]; globals: Globals; rest: string[] } {
  const words: string[] = [];
  const globals: Globals = {};
  let i = 0;
  let state: 'more' | 'done' | 'unknown' = 'more';
  for (; i < argv.length && state === 'more'; i++) {
    const token = argv[i]!;
    const opt = option(token);
    if (opt) {
      if (!(opt.name in GLOBAL_OPTIONS)) {
        const command = words.length > 0 ? words.join(' ') : undefined;
        throw new UsageError(`unknown option --${opt.name}${suggest(opt.name, Object.keys(GLOBAL_OPTIONS))}${words.length > 0 ? '' : ": a command's flags come after its name"}`, command);
      }
      i = takeGlobal(argv, i, opt, globals);
      continue;
    }
    if (token === '--') break;
    words.push(token);
    state = isCommand(words);
  }
  return { words, globals, rest: argv.slice(i) };
}

function takeGlobal(argv: readonly string[], i: number, opt: Option, globals: Globals): number {
  const name = opt.name as GlobalName;
  const spec = GLOBAL_OPTIONS[name];
  if (spec.type === 'boolean') {
    if (opt.value !== undefined && opt.value !== 'true' && opt.value !== 'false') throw new UsageError(`--${name} takes no value (or =true, =false)`);
    (globals as Record<string, boolean>)[name] = opt.value !== 'false';
    return i;
  }
  let value = opt.value;
  if (value === undefined) {
    if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value (${spec.value})`);
    value = argv[++i]!;
  }
  if ((globals as Record<string, string>)[name] !== undefined) throw new UsageError(`--${name} is given twice`);
  (globals as Record<string, string>)[name] = value;
  return i;
}

/** A command's flags as written: each field's raw values, in order (an array field may repeat). */
export interface RawArgs {
  readonly values: Map<FieldSpec, string[]>;
  readonly positionals: string[];
}

/**
 * Reads the command's part of the line: its field flags first (a field shadows a global option
 * of the same name there), then the global options, then positional values (the path
 * parameters, in order).
 */
export function parseCommandArgs(rest: readonly string[], fields: readonly FieldSpec[], globals: Globals, command: string): RawArgs {
  const byFlag = new Map(fields.map((f) => [f.flag, f]));
  const values = new Map<FieldSpec, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    const opt = option(token);
    if (!opt) {
      positionals.push(token);
      continue;
    }
    const negated = opt.name.startsWith('no-') ? byFlag.get(opt.name.slice(3)) : undefined;
    const f = byFlag.get(opt.name) ?? (negated?.type === 'boolean' ? negated : undefined);
    if (!f) {
      if (opt.name in GLOBAL_OPTIONS) {
        i = takeGlobal(rest, i, opt, globals);
        continue;
      }
      throw new UsageError(`unknown flag --${opt.name}${suggest(opt.name, [...byFlag.keys(), ...Object.keys(GLOBAL_OPTIONS)])}`, command);
    }
    let value: string;
    if (f.type === 'boolean') {
      if (f === negated) {
        if (opt.value !== undefined) throw new UsageError(`--no-${f.flag} takes no value`, command);
        value = 'false';
      } else value = opt.value ?? 'true';
    } else if (opt.value !== undefined) value = opt.value;
    else if (i + 1 < rest.length) value = rest[++i]!;
    else throw new UsageError(`--${f.flag} needs a value`, command);
    const list = values.get(f) ?? [];
    if (list.length > 0 && !f.type.endsWith('[]')) throw new UsageError(`--${f.flag} is given twice`, command);
    list.push(value);
    values.set(f, list);
  }
  return { values, positionals };
}

/** ` (did you mean --key-id?)` when one name is close enough, else nothing. */
export function suggest(name: string, candidates: readonly string[], prefix = '--'): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? ` (did you mean ${prefix}${best}?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** Reads `@path`, `-` and `@@literal`; hands out stdin once. */
export class ValueReader {
  readonly #source: ValueSource;
  #stdinTakenBy: string | undefined;

  constructor(source: ValueSource) {
    this.#source = source;
  }

  /** The text a value stands for: a file's or stdin's contents (UTF-8), or the value itself. */
  async text(value: string, what: string, command?: string): Promise<{ text: string; fromFile: boolean }> {
    if (value === '-') {
      if (this.#stdinTakenBy !== undefined) throw new UsageError(`${what} and ${this.#stdinTakenBy} both read stdin (-): one of them only`, command);
      this.#stdinTakenBy = what;
      return { text: decode(await this.#source.readStdin(), `${what} (stdin)`, command), fromFile: true };
    }
    if (value.startsWith('@@')) return { text: value.slice(1), fromFile: false };
    if (value.startsWith('@')) {
      const path = value.slice(1);
      let bytes: Uint8Array;
      try {
        bytes = await this.#source.readFile(path);
      } catch (e) {
        throw new UsageError(`${what}: cannot read ${path} (${(e as { code?: string }).code ?? (e as Error).message})`, command);
      }
      return { text: decode(bytes, `${what} (${path})`, command), fromFile: true };
    }
    return { text: value, fromFile: false };
  }

  /** A field's JSON value from its raw flag values. Text fields keep a file's contents exactly; others are trimmed. */
  async field(f: FieldSpec, raws: readonly string[], command: string): Promise<unknown> {
    const what = `--${f.flag}`;
    if (f.type === 'json') {
      const { text } = await this.text(raws[0]!, what, command);
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new UsageError(`${what} takes JSON (inline, @file or -): ${(e as Error).message}`, command);
      }
    }
    if (f.type.endsWith('[]')) {
      const item = f.type.slice(0, -2) as FieldType;
      const items: unknown[] = [];
      for (const raw of raws) {
        const text = (await this.text(raw, what, command)).text.trim();
        if (text.startsWith('[')) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch (e) {
            throw new UsageError(`${what}: a value starting with [ is read as a JSON array: ${(e as Error).message}`, command);
          }
          items.push(...(Array.isArray(parsed) ? parsed : [parsed]));
        } else items.push(...text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '').map((s) => scalar(item, s)));
      }
      return items;
    }
    const { text, fromFile } = await this.text(raws[0]!, what, command);
    return scalar(f.type, f.text && fromFile ? text : fromFile ? text.trim() : text);
  }
}

/** A scalar flag value as JSON: a number or boolean when it reads as one, else the text (the server names a wrong one). */
function scalar(type: FieldType, text: string): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text.trim())) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function decode(bytes: Uint8Array, what: string, command: string | undefined): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${what} is not UTF-8 text: send binary data as base64 (or hex) with --encoding base64`, command);
  }
}
