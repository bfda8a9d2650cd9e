/**
 * The CLI's help, written from the command table (commands.ts, generated from the OpenAPI
 * document) and the local commands, so every command's help lists the fields the server takes
 * today: their flags, types, whether required, descriptions and allowed values.
 * @module
 */
import { GLOBAL_OPTIONS } from './args.ts';
import type { LocalCommand } from './local.ts';
import type { ServiceCommand } from './clients.ts';
import type { CommandSpec, FieldSpec } from './spec.ts';

export type AnyCommand = CommandSpec | LocalCommand | ServiceCommand;

/** Exit status by outcome, for `pqc --help` and the README. */
export const EXIT_CODES = Object.freeze([
  [0, 'success'],
  [1, 'any other error (500 internal error, 405, ...)'],
  [2, 'usage: unknown command or flag, missing required flag, unreadable file or profile'],
  [3, 'unauthorized or forbidden (401, 403)'],
  [4, 'not found (404)'],
  [5, 'bad request or validation (400, 413, 415, 422), or a local check failed'],
  [6, 'rate-limited or over quota (429)'],
  [7, 'unavailable: store down or full (503, 507), service unreachable, timeout'],
] as const);

const WIDTH = 100;

/** Text wrapped to WIDTH columns, each line after `indent`; paragraphs (blank lines) kept. */
export function wrap(text: string, indent: string, width = WIDTH): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => {
      const lines: string[] = [];
      let line = '';
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        if (line && indent.length + line.length + 1 + word.length > width) {
          lines.push(indent + line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      if (line) lines.push(indent + line);
      return lines.join('\n');
    })
    .join(`\n\n`);
}

export const commandWords = (c: AnyCommand): string => (c.group ? `${c.group} ${c.name}` : c.name);

/** How a field's value is written: `<base64>`, `<utf8|base64|hex>`, `<string,...>`, `[=false]`. */
export function valueHint(f: FieldSpec): string {
  if (f.type === 'boolean') return '[=false]';
  if (f.type === 'json') return '<JSON>';
  if (f.type.endsWith('[]')) return `<${f.type.slice(0, -2)},...>`;
  if (f.enum && f.enum.length <= 4) return `<${f.enum.join('|')}>`;
  if (f.format === 'byte') return '<base64>';
  if (f.text) return '<text>';
  return `<${f.type}>`;
}

function exampleValue(f: FieldSpec): string {
  if (f.format === 'byte') return `@${f.name.replace(/_/g, '-')}.b64`;
  if (f.type === 'json') return `@${f.name.replace(/_/g, '-')}.json`;
  if (f.type === 'boolean') return '';
  if (f.type.endsWith('[]')) return f.enum ? f.enum.slice(0, 2).join(',') : `${f.name}-1,${f.name}-2`;
  if (f.enum) return String(f.default ?? f.enum[0]);
  // A free text's example is a value; an id's example may be an instruction ("paste key_id from ...").
  if (f.example !== undefined && f.example !== '' && (f.text || !/\s/.test(String(f.example)))) return shellQuote(String(f.example));
  if (f.type === 'integer' || f.type === 'number') return '1';
  return f.text ? 'hello' : `<${f.name}>`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * One example line: the command with its required fields (those of the first form, for a union),
 * or, when none is required, with up to three optional ones the document gives an example or
 * allowed values for.
 */
export function exampleLine(c: AnyCommand): string {
  const needed = new Set(c.fields.filter((f) => f.required).map((f) => f.name));
  if ('alternatives' in c && c.alternatives?.[0]) for (const name of c.alternatives[0]) needed.add(name);
  if (needed.size === 0) for (const f of c.fields.filter((f) => f.example !== undefined || f.enum).slice(0, 3)) needed.add(f.name);
  const flags = c.fields
    .filter((f) => needed.has(f.name))
    .map((f) => {
      const value = exampleValue(f);
      return value ? `--${f.flag} ${value}` : `--${f.flag}`;
    });
  return ['pqc', commandWords(c), ...flags].join(' ');
}

function fieldLines(fields: readonly FieldSpec[]): string[] {
  const heads = fields.map((f) => `  --${f.flag} ${valueHint(f)}`);
  const column = Math.min(36, Math.max(...heads.map((h) => h.length)) + 2);
  return fields.flatMap((f, i) => {
    const notes = [
      f.required ? 'Required.' : '',
      f.in === 'path' ? 'Path parameter (also positional).' : f.in === 'query' ? 'Query parameter.' : '',
      f.description ?? '',
      f.enum && f.enum.length > 4 ? `One of: ${f.enum.join(', ')}.` : '',
      f.default !== undefined ? `Default: ${f.default}.` : '',
      f.text ? "A file's or stdin's contents are sent exactly." : '',
    ]
      .filter(Boolean)
      .join(' ');
    const head = heads[i]!;
    const text = wrap(notes, ' '.repeat(column)).trimStart();
    return head.length + 2 <= column ? [head.padEnd(column) + text] : [head, ' '.repeat(column) + text];
  });
}

export function commandHelp(c: AnyCommand): string {
  const api = 'operationId' in c;
  const out: string[] = [];
  out.push(`pqc ${commandWords(c)}: ${c.summary ?? c.name}`);
  if (api) {
    const answer = c.response.type === 'none' ? `${c.response.status}, nothing printed` : c.response.fields.length ? `${c.response.status} { ${c.response.fields.join(', ')} }` : `${c.response.status} ${c.response.type}`;
    out.push(`${c.method} ${c.path} (operation ${c.operationId}; ${c.auth ? 'needs a credential' : 'no credential needed'}); answers ${answer}`);
  } else if ('service' in c) out.push('Calls the service; the keys it makes or uses stay on this machine.');
  else out.push('Runs on this machine: no server, no credential.');
  if (c.description) out.push('', wrap(c.description, ''));
  out.push('', 'Fields:');
  if (c.fields.length === 0) out.push('  (none)');
  else out.push(...fieldLines(c.fields));
  if (api && c.alternatives) out.push('', `Give all the required fields of one form: ${c.alternatives.map((form) => (form.length ? form.map((n) => `--${n.replace(/_/g, '-')}`).join(' ') : '(none)')).join(', or ')}.`);
  if (api && c.body) out.push('', '--body JSON|@file.json|- sends a whole JSON body; the flags above override its fields.');
  out.push('', 'Example:', `  ${exampleLine(c)}`, '', 'Global options, value syntax and exit codes: pqc --help');
  return `${out.join('\n')}\n`;
}

export function groupHelp(group: string, commands: readonly AnyCommand[]): string {
  const mine = commands.filter((c) => c.group === group);
  const tags = [...new Set(mine.map((c) => ('tag' in c ? c.tag : undefined)).filter(Boolean))];
  const width = Math.max(...mine.map((c) => c.name.length)) + 4;
  return [
    `pqc ${group}: ${group === 'local' ? 'the client\'s local helpers (no server, no credential)' : tags.join(', ')}`,
    '',
    'Commands:',
    ...mine.map((c) => `  ${c.name.padEnd(width)}${c.summary ?? ''}`),
    '',
    `pqc ${group} <command> --help describes a command's fields.`,
    '',
  ].join('\n');
}

export function mainHelp(version: string, commands: readonly AnyCommand[]): string {
  const groups = new Map<string, AnyCommand[]>();
  for (const c of commands) {
    const key = c.group ?? c.name;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const width = Math.max(...[...groups.keys()].map((g) => g.length)) + 3;
  const commandLines = [...groups].map(([key, list]) => {
    const first = list[0]!;
    const text = first.group ? list.map((c) => c.name).join(', ') + (key === 'local' ? ' (no server)' : '') : (first.summary ?? '');
    return `  ${key.padEnd(width)}${wrap(text, ' '.repeat(width + 2)).trimStart()}`;
  });
  const optionHeads = Object.entries(GLOBAL_OPTIONS).map(([name, o]) => ('value' in o ? `  --${name} ${o.value}` : `  --${name}`));
  const optionWidth = Math.max(...optionHeads.map((h) => h.length)) + 2;
  const optionLines = Object.values(GLOBAL_OPTIONS).map((o, i) => optionHeads[i]!.padEnd(optionWidth) + wrap(o.help, ' '.repeat(optionWidth)).trimStart());
  return [
    `pqc ${version}: the post-quantum crypto API from the command line`,
    '',
    'Usage:',
    '  pqc <group> <command> [--<field> <value> ...] [options]',
    '  pqc <group> --help            the commands of a group',
    '  pqc <group> <command> --help  a command\'s fields, their types and an example',
    '',
    'Commands (one per operation of the API, named from its operationId):',
    ...commandLines,
    '',
    'Options (anywhere on the line):',
    ...optionLines,
    '',
    'Where and as whom: --url, else PQC_URL, else the profile\'s url, else http://127.0.0.1:8080;',
    '--token, else PQC_TOKEN, else the profile\'s token. The profile is --profile NAME, else',
    'PQC_PROFILE, else "default" when the file has one; the file is $PQC_CONFIG, else',
    '~/.config/pqc/profiles.json: {"NAME": {"url": "https://...", "token": "..."}}. The token is never printed.',
    '',
    'Values:',
    '  Flags are the API\'s fields in kebab-case: key_id is --key-id. Path parameters are flags too',
    '  and may be given positionally (pqc tokens revoke TOKEN_ID).',
    '  --flag VALUE or --flag=VALUE; @path reads a file, - reads stdin (one value at most), @@x is "@x".',
    '  Free-text fields (data, unencrypted, aad, context) take a file\'s contents exactly; other values',
    '  read from a file are trimmed.',
    '  Arrays: --scopes a,b or --scopes a --scopes b (or a JSON array). Booleans: --store, --store=false.',
    '  Object fields (batch_input) take JSON: inline, @file.json or -.',
    '  Anything else about a value is checked by the server: a 422 names each bad field.',
    '',
    'Output: the answer\'s JSON on stdout (indented; --compact for one line); --field NAME prints one',
    'field raw (a newline is added only on a terminal, so files hold the value exactly); a 204 prints',
    'nothing. An error is one line on stderr: pqc: <title> (<status>): <detail>, then each bad field.',
    '',
    'Exit codes:',
    ...EXIT_CODES.map(([code, meaning]) => `  ${code}  ${meaning}`),
    '',
    'Examples:',
    '  pqc kem keypair --field pk > pk.b64',
    '  pqc local encapsulate --pk @pk.b64 > enc.json',
    '  pqc dsa sign --data @message.txt > signed.json',
    '  pqc dsa verify --body @signed.json --data @message.txt --field verified',
    '  pqc tokens create --scopes kem:encapsulate,dsa:verify --expiry-time 600 --expire-after-attempts 3',
    '  echo "$SHARED_KEY" | pqc aes encrypt --key - --unencrypted "hello" --field ciphertext',
    '',
  ].join('\n');
}
