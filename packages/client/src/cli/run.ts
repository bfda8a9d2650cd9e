/**
 * `pqc`: one command per operation of the API over PqcClient, from the generated command table,
 * plus the local helpers. run() is the whole CLI behind an Io (files, stdin, stdout, stderr, the
 * environment), so main.ts only wires the process to it and tests can also call it directly.
 *
 * Errors end in an exit status by class (EXIT_CODES in help.ts): 2 usage, 3 unauthorized or
 * forbidden, 4 not found, 5 bad request or validation, 6 rate-limited or over quota, 7 unavailable
 * or unreachable, 1 anything else. The credential never reaches stdout or stderr.
 * @module
 */
import { PqcClient, TransportError } from '../client.ts';
import { ApiError, ValidationError } from '../errors.ts';
import { LocalCryptoError } from '../local.ts';
import type { OperationId } from '../operations.ts';
import { parseCommandArgs, splitCommand, suggest, UsageError, ValueReader, type Globals, type ValueSource } from './args.ts';
import { COMMANDS } from './commands.ts';
import { commandHelp, commandWords, groupHelp, mainHelp, type AnyCommand } from './help.ts';
import { LOCAL_COMMANDS } from './local.ts';
import { CLIENT_COMMANDS } from './clients.ts';
import type { CommandSpec } from './spec.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface Io extends ValueSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory, for ~/.config/pqc/profiles.json. */
  readonly homedir: string;
  readonly version: string;
  /** Whether stdout is a terminal: `--field` adds a newline only then. */
  readonly stdoutIsTTY: boolean;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const ALL_COMMANDS: readonly AnyCommand[] = Object.freeze([...COMMANDS, ...LOCAL_COMMANDS, ...CLIENT_COMMANDS]);

/** The exit status for an HTTP error status (help.ts EXIT_CODES). */
export function exitCodeFor(status: number): number {
  if (status === 401 || status === 403) return 3;
  if (status === 404) return 4;
  if (status === 400 || status === 413 || status === 415 || status === 422) return 5;
  if (status === 429) return 6;
  if (status === 503 || status === 507) return 7;
  return 1;
}

/** Runs one command line; resolves to the exit status (never throws). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let command: string | undefined;
  try {
    return await execute(argv, io, (words) => (command = words));
  } catch (e) {
    return report(e, io, command);
  }
}

function resolve(words: readonly string[]): 'more' | 'done' | 'unknown' {
  const [first, second] = words[0] === 'help' ? words.slice(1) : words;
  if (first === undefined) return 'more';
  if (second === undefined) {
    if (ALL_COMMANDS.some((c) => c.group === first)) return 'more';
    return ALL_COMMANDS.some((c) => c.group === null && c.name === first) ? 'done' : 'unknown';
  }
  return ALL_COMMANDS.some((c) => c.group === first && c.name === second) ? 'done' : 'unknown';
}

async function execute(argv: readonly string[], io: Io, named: (words: string) => void): Promise<number> {
  const { words: written, globals, rest } = splitCommand(argv, resolve);
  if (globals.version) {
    io.stdout(`pqc ${io.version}\n`);
    return 0;
  }
  const helpWord = written[0] === 'help';
  const cmd = findCommand(helpWord ? written.slice(1) : written, helpWord || globals.help === true, io);
  if (typeof cmd === 'number') return cmd;
  const name = commandWords(cmd);
  named(name);
  const { values: raw, positionals } = parseCommandArgs(rest, cmd.fields, globals, name);
  if (helpWord || globals.help) {
    io.stdout(commandHelp(cmd));
    return 0;
  }

  const reader = new ValueReader(io);
  const values = new Map<string, unknown>();
  for (const [f, list] of raw) values.set(f.name, await reader.field(f, list, name));
  const pathFields = cmd.fields.filter((f) => f.in === 'path' && !values.has(f.name));
  if (positionals.length > pathFields.length) {
    throw new UsageError(`unexpected argument ${positionals[pathFields.length]}${pathFields.length === 0 ? ` (pqc ${name} takes flags only)` : ''}`, name);
  }
  for (const [i, value] of positionals.entries()) values.set(pathFields[i]!.name, (await reader.text(value, `--${pathFields[i]!.flag}`, name)).text.trim());

  const api = 'operationId' in cmd;
  if (globals.body !== undefined && api && !cmd.body) throw new UsageError(`pqc ${name} takes no body (--body)`, name);
  const body = globals.body === undefined ? {} : await bodyObject(reader, globals.body, name);
  // A local command takes its known fields from --body (an answer of another command, extra fields and all).
  if (!api) for (const f of cmd.fields) if (!values.has(f.name) && f.name in body) values.set(f.name, body[f.name]);
  const given = (n: string) => values.has(n) || (cmd.fields.find((f) => f.name === n)?.in === 'body' && n in body);
  const missing = cmd.fields.filter((f) => f.required && !given(f.name));
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((f) => `--${f.flag}`).join(', ')} (required)`, name);
  if (api && cmd.alternatives && !cmd.alternatives.some((form) => form.every(given))) {
    throw new UsageError(`give the fields of one form: ${cmd.alternatives.map((form) => form.map((n) => `--${n.replace(/_/g, '-')}`).join(' ')).join(', or ')}`, name);
  }
  if (globals.field !== undefined && api && cmd.response.type !== 'json') throw new UsageError(`--field: pqc ${name} answers ${cmd.response.type === 'none' ? 'nothing' : 'text'}, not JSON`, name);

  const answer = api
    ? await callApi(cmd, values, body, globals, io, reader)
    : 'service' in cmd
      ? await cmd.run(Object.fromEntries(values), await connection(globals, io, reader))
      : await cmd.run(Object.fromEntries(values));
  if (answer === undefined) return 0; // 204
  if (api && cmd.response.type === 'text' && typeof answer === 'string') io.stdout(answer);
  else if (globals.field !== undefined) {
    const value = pick(answer, globals.field);
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    io.stdout(io.stdoutIsTTY ? `${text}\n` : text);
  } else io.stdout(`${JSON.stringify(answer, null, globals.compact ? undefined : 2)}\n`);
  return 0;
}

/** The command the words name, or the exit status after printing the help asked for (or the list of a group's commands). */
function findCommand(words: readonly string[], wantsHelp: boolean, io: Io): AnyCommand | number {
  const [first, second] = words;
  if (first === undefined) {
    const help = mainHelp(io.version, ALL_COMMANDS);
    if (wantsHelp) io.stdout(help);
    else io.stderr(help);
    return wantsHelp ? 0 : 2;
  }
  const isGroup = ALL_COMMANDS.some((c) => c.group === first);
  const found = ALL_COMMANDS.find((c) => (isGroup ? c.group === first && c.name === second : c.group === null && c.name === first));
  if (found) return found;
  if (isGroup && second === undefined) {
    if (wantsHelp) io.stdout(groupHelp(first, ALL_COMMANDS));
    else io.stderr(`pqc ${first}: which command?\n\n${groupHelp(first, ALL_COMMANDS)}`);
    return wantsHelp ? 0 : 2;
  }
  if (isGroup) {
    const names = ALL_COMMANDS.filter((c) => c.group === first).map((c) => c.name);
    throw new UsageError(`unknown command pqc ${first} ${second}${suggest(second!, names, `pqc ${first} `)}; pqc ${first} --help lists them`);
  }
  const tops = [...new Set(ALL_COMMANDS.map((c) => c.group ?? c.name))];
  throw new UsageError(`unknown command ${first}${suggest(first, tops, 'pqc ')}; pqc --help lists them`);
}

async function bodyObject(reader: ValueReader, value: string, name: string): Promise<Record<string, unknown>> {
  const { text } = await reader.text(value, '--body', name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--body takes a JSON object (inline, @file.json or -): ${(e as Error).message}`, name);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--body takes a JSON object', name);
  return parsed as Record<string, unknown>;
}

/** A field of the answer by name, or by a dotted path into it (`batch_results.0.cipher`). */
function pick(answer: unknown, path: string): unknown {
  let node = answer;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, part)) {
      const has = typeof node === 'object' && node !== null ? Object.keys(node).join(', ') : typeof node;
      throw new FieldMissing(`the answer has no field ${path} (${has ? `it has: ${has}` : 'it is empty'})`);
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

class FieldMissing extends Error {}

async function callApi(cmd: CommandSpec, values: Map<string, unknown>, fileBody: Record<string, unknown>, globals: Globals, io: Io, reader: ValueReader): Promise<unknown> {
  const { url, token } = await connection(globals, io, reader);
  const params: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  const body: Record<string, unknown> = { ...fileBody };
  for (const f of cmd.fields) {
    if (!values.has(f.name)) continue;
    (f.in === 'path' ? params : f.in === 'query' ? query : body)[f.name] = values.get(f.name);
  }
  const retries = globals.retries === undefined ? undefined : Number(globals.retries);
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) throw new UsageError('--retries takes a whole number (0 turns retries off)');
  const timeout = globals.timeout === undefined ? undefined : Number(globals.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError('--timeout takes a number of seconds above 0');
  const sealed = globals.sealed ?? io.env.PQC_SEALED === '1';
  const client = new PqcClient({ baseUrl: url, ...(token !== undefined ? { token } : {}), ...(retries !== undefined ? { retries } : {}), ...(sealed ? { sealed: true } : {}) });
  const input = { ...(cmd.fields.some((f) => f.in === 'path') ? { params } : {}), ...(Object.keys(query).length ? { query } : {}), ...(cmd.body ? { body } : {}) };
  const signal = timeout !== undefined ? AbortSignal.timeout(timeout * 1000) : undefined;
  try {
    return await client.call(cmd.operationId as OperationId, input as never, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw new Unavailable(`no answer from ${url} within ${timeout} s`);
    throw e;
  }
}

class Unavailable extends Error {}

interface Profile {
  readonly url?: string;
  readonly token?: string;
}

/** Where and as whom: each of url and token from its flag, else the environment, else the profile. */
async function connection(globals: Globals, io: Io, reader: ValueReader): Promise<{ url: string; token: string | undefined }> {
  const env = (name: string) => (io.env[name] === '' ? undefined : io.env[name]);
  const profile = await loadProfile(globals.profile ?? env('PQC_PROFILE'), env('PQC_CONFIG') ?? `${io.homedir}/.config/pqc/profiles.json`, io);
  const url = globals.url ?? env('PQC_URL') ?? profile?.url ?? DEFAULT_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new UsageError(`the service URL is not an http(s) URL: ${url}`);
  const flagToken = globals.token === undefined ? undefined : (await reader.text(globals.token, '--token')).text;
  const token = (flagToken ?? env('PQC_TOKEN') ?? profile?.token)?.trim();
  return { url, token: token === '' ? undefined : token };
}

async function loadProfile(name: string | undefined, file: string, io: Io): Promise<Profile | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (e) {
    if (name === undefined) return undefined; // no file, no profile asked for: none
    throw new UsageError(`profile ${name}: cannot read the profile file ${file} (${(e as { code?: string }).code ?? 'unreadable'})`);
  }
  let profiles: unknown;
  try {
    profiles = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    // The parser's message quotes the text, which holds tokens: never repeat it.
    throw new UsageError(`the profile file ${file} is not valid JSON`);
  }
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) throw new UsageError(`the profile file ${file} must hold an object of profiles by name`);
  const byName = profiles as Record<string, unknown>;
  const chosen = name ?? ('default' in byName ? 'default' : undefined);
  if (chosen === undefined) return undefined;
  const profile = Object.prototype.hasOwnProperty.call(byName, chosen) ? byName[chosen] : undefined;
  if (profile === undefined) throw new UsageError(`no profile ${chosen} in ${file} (it has: ${Object.keys(byName).join(', ') || 'none'})`);
  if (typeof profile !== 'object' || profile === null) throw new UsageError(`profile ${chosen} in ${file} must be an object { "url": ..., "token": ... }`);
  const { url, token } = profile as Record<string, unknown>;
  if ((url !== undefined && typeof url !== 'string') || (token !== undefined && typeof token !== 'string')) {
    throw new UsageError(`profile ${chosen} in ${file}: url and token must be strings`);
  }
  return { ...(url !== undefined ? { url } : {}), ...(token !== undefined ? { token } : {}) };
}

function report(e: unknown, io: Io, command: string | undefined): number {
  if (e instanceof UsageError) {
    const help = e.command ?? command;
    io.stderr(`pqc: ${e.message}\n${help ? `See pqc ${help} --help.` : 'See pqc --help.'}\n`);
    return 2;
  }
  if (e instanceof ApiError) {
    const lines = [`pqc: ${e.title} (${e.status}): ${e.problem ? e.detail : 'the answer carried no problem details'}`];
    if (e instanceof ValidationError) for (const fe of e.errors) lines.push(`  ${fe.pointer}: ${fe.detail}`);
    if (e.status >= 500 && e.requestId) lines.push(`  request id: ${e.requestId}`);
    io.stderr(`${lines.join('\n')}\n`);
    return exitCodeFor(e.status);
  }
  if (e instanceof TransportError) {
    const cause = (e.cause as { cause?: { code?: string; message?: string } } | undefined)?.cause;
    io.stderr(`pqc: cannot reach the service: ${e.message}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ''}\n`);
    return 7;
  }
  if (e instanceof Unavailable) {
    io.stderr(`pqc: ${e.message}\n`);
    return 7;
  }
  if (e instanceof LocalCryptoError) {
    io.stderr(`pqc: ${e.message}\n`);
    return 5;
  }
  if (e instanceof FieldMissing) {
    io.stderr(`pqc: ${e.message}\n`);
    return 1;
  }
  io.stderr(`pqc: unexpected error: ${(e as Error)?.message ?? String(e)}\n`);
  return 1;
}
