#!/usr/bin/env node
// Checks the import rules of src/ (issue 14), so that the layers stay as the README draws them:
//
//   layers       only src/http/, src/app.ts, src/main.ts and src/server.ts import from src/http/:
//                auth, keys, stores, limits, crypto, observability (and any later folder) sit below
//                HTTP and know nothing of it
//   routes       no file in src/http/routes/ imports another: what two routes share lives below them
//   redis-store  the identifier RedisStore appears only in src/stores/ (comments aside): the rest
//                of the code sees the Store ports, so a new backend is a change in one folder
//   crypto-pure  src/crypto/ imports only src/crypto/, npm packages and Node builtins
//   crypto-cycle no import cycle among src/crypto/ files
//
// Imports are read with a regular expression over the source (static `import`/`export ... from`,
// side-effect `import '...'`, `import('...')` with a literal), comments removed first; type-only
// imports count too (an arrow is an arrow). No TypeScript parser: the rules need only specifiers.
//
// Output: one line per violation, `file: rule: import (why)`, then a summary line; exit 1 if any.
// Known violations being fixed are listed in scripts/layers-allow.txt, one `file -> import` a
// line with a `# reason`; a listed line that no longer matches a violation is reported as stale
// (and fails), so that the list only shrinks.
//
// Usage: node scripts/check-layers.mjs [--root <dir>] [--allow <file>] [--all]
//   --root   the project to check (default: the current directory); src/ is read under it
//   --allow  the allow-list (default: <root>/scripts/layers-allow.txt; a missing file is empty)
//   --all    also print the allowed violations, marked "(allowed)"
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';

const SOURCE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
/** The files above HTTP, allowed to import it: the composition root and the process entries. */
const HTTP_USERS = new Set(['src/app.ts', 'src/main.ts', 'src/server.ts']);
const BUILTINS = new Set(builtinModules);

const RULES = Object.freeze({
  layers: 'only src/http/, src/app.ts, src/main.ts and src/server.ts may import from src/http/',
  routes: 'a route file imports no other route file',
  'redis-store': 'RedisStore is named only in src/stores/',
  'crypto-pure': 'src/crypto/ imports only src/crypto/, npm packages and node: builtins',
  'crypto-cycle': 'no import cycle among src/crypto/ files',
});

function parseArgs(argv) {
  const opts = { root: process.cwd(), allow: undefined, all: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--root') opts.root = argv[++i];
    else if (arg === '--allow') opts.allow = argv[++i];
    else if (arg === '--all') opts.all = true;
    else {
      console.error(`check-layers: unknown argument ${arg}`);
      process.exit(2);
    }
  }
  opts.allow ??= join(opts.root, 'scripts', 'layers-allow.txt');
  return opts;
}

function walk(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : SOURCE.test(name) && !name.endsWith('.d.ts') ? [path] : [];
    });
}

/**
 * The source with its comments blanked (newlines kept, so line numbers hold) and strings left as
 * they are. A `/` starts a regular expression literal when what precedes it cannot end an
 * operand, so that a quote or `//` inside one is not mistaken for a string or a comment.
 */
export function stripComments(text) {
  let out = '';
  let i = 0;
  let lastSignificant = '';
  const templateDepth = []; // brace depth at which each open template's ${ ... } started
  let braces = 0;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  const readString = (quote) => {
    let j = i + 1;
    while (j < text.length && text[j] !== quote && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
    out += text.slice(i, j + 1);
    i = j + 1;
  };
  const readTemplate = () => {
    // From just after a ` or a closing } of ${...}, to the closing ` or the next ${.
    let j = i;
    while (j < text.length && text[j] !== '`' && !(text[j] === '$' && text[j + 1] === '{')) j += text[j] === '\\' ? 2 : 1;
    if (text[j] === '`') {
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += text.slice(i, j + 2);
      i = j + 2;
      templateDepth.push(braces);
      braces++;
    }
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += blank(text.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      readString(c);
      lastSignificant = 'a';
      continue;
    }
    if (c === '`') {
      out += c;
      i++;
      readTemplate();
      lastSignificant = 'a';
      continue;
    }
    if (c === '/' && (lastSignificant === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant) || /\b(?:return|typeof|case|in|of|void)\s*$/.test(out))) {
      // A regular expression literal: to its closing / outside a character class.
      let j = i + 1;
      let inClass = false;
      while (j < text.length && text[j] !== '\n') {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        else if (text[j] === '/' && !inClass) break;
        j++;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
      lastSignificant = 'a';
      continue;
    }
    if (c === '{') braces++;
    if (c === '}') {
      braces--;
      if (templateDepth.length > 0 && templateDepth[templateDepth.length - 1] === braces) {
        templateDepth.pop();
        out += c;
        i++;
        readTemplate();
        lastSignificant = 'a';
        continue;
      }
    }
    out += c;
    i++;
    if (!/\s/.test(c)) lastSignificant = /[\w$)\]]/.test(c) ? 'a' : c;
  }
  return out;
}

/** Every module specifier the (comment-free) source imports, with the line it is on. */
export function importsOf(code) {
  const found = [];
  const patterns = [
    /(?:^|[;}\s])(?:import|export)\s+(?:type\s+)?[^;'"`]*?[\s}*]from\s*(['"])([^'"\n]+)\1/g,
    /(?:^|[;}\s])import\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) {
      const at = m.index + m[0].lastIndexOf(m[1] + m[2]);
      found.push({ specifier: m[2], line: code.slice(0, at).split('\n').length });
    }
  }
  return found.sort((a, b) => a.line - b.line || a.specifier.localeCompare(b.specifier));
}

const toPosix = (p) => p.split(sep).join('/');
const isBuiltin = (s) => s.startsWith('node:') || BUILTINS.has(s) || BUILTINS.has(s.split('/')[0]);
const folderOf = (file) => file.split('/').slice(0, 2).join('/'); // src/<folder> or src/<file>

/** Reads src/ under root and returns the violations found, in file order. */
export function check(root) {
  const srcDir = join(root, 'src');
  if (!existsSync(srcDir)) throw new Error(`no src/ under ${root}`);
  const files = walk(srcDir).map((f) => toPosix(relative(root, f)));
  const violations = [];
  const cryptoGraph = new Map();
  const add = (file, rule, target, why) => violations.push({ file, rule, target, why });

  for (const file of files) {
    const code = stripComments(readFileSync(join(root, file), 'utf8'));
    const inCrypto = file.startsWith('src/crypto/');
    const edges = [];
    for (const { specifier, line } of importsOf(code)) {
      const relativeSpec = specifier.startsWith('./') || specifier.startsWith('../');
      const target = relativeSpec ? posix.normalize(posix.join(posix.dirname(file), specifier)) : specifier;
      const where = `line ${line}: '${specifier}'`;
      if (relativeSpec && target.startsWith('src/http/') && !file.startsWith('src/http/') && !HTTP_USERS.has(file)) {
        add(file, 'layers', target, `${folderOf(file)} sits below HTTP (${where})`);
      }
      if (file.startsWith('src/http/routes/') && relativeSpec && target.startsWith('src/http/routes/') && target !== file) {
        add(file, 'routes', target, `a route imports a route (${where})`);
      }
      if (inCrypto) {
        if (relativeSpec && target.startsWith('src/crypto/')) edges.push(target);
        else if (relativeSpec || specifier.startsWith('#') || specifier.startsWith('/')) {
          add(file, 'crypto-pure', target, `crypto reaches outside src/crypto/ (${where})`);
        } else if (!isBuiltin(specifier) && !/^(?:@[\w.-]+\/)?[\w.-]+(?:\/.*)?$/.test(specifier)) {
          add(file, 'crypto-pure', target, `neither an npm package nor a Node builtin (${where})`);
        }
      }
    }
    if (inCrypto) cryptoGraph.set(file, [...new Set(edges)].sort());
    if (!file.startsWith('src/stores/')) {
      const lines = code.split('\n').flatMap((text, n) => (/\bRedisStore\b/.test(text) ? [n + 1] : []));
      if (lines.length > 0) add(file, 'redis-store', 'RedisStore', `named outside src/stores/ (line${lines.length > 1 ? 's' : ''} ${lines.join(', ')})`);
    }
  }

  // Cycles: a depth-first walk in file order; each edge back to a file still on the walk's path
  // closes a cycle, and is reported with the cycle it closes.
  const state = new Map(); // file -> 'open' | 'done'
  const path = [];
  const visit = (file) => {
    state.set(file, 'open');
    path.push(file);
    for (const target of cryptoGraph.get(file) ?? []) {
      if (!cryptoGraph.has(target)) continue; // an import of a missing file: tsc's business
      if (state.get(target) === 'open') {
        const cycle = [...path.slice(path.indexOf(target)), target].map((f) => posix.basename(f)).join(' -> ');
        add(file, 'crypto-cycle', target, `closes the cycle ${cycle}`);
      } else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of cryptoGraph.keys()) if (!state.has(file)) visit(file);

  const order = new Map(files.map((f, i) => [f, i]));
  return violations.sort((a, b) => order.get(a.file) - order.get(b.file) || a.rule.localeCompare(b.rule) || a.target.localeCompare(b.target));
}

/** `file -> import  # reason` lines; blank lines and whole-line comments are skipped. */
export function readAllowList(path) {
  if (!existsSync(path)) return { entries: [], problems: [] };
  const entries = [];
  const problems = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, n) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const m = /^(\S+)\s*->\s*(\S+)\s*(?:#\s*(.*))?$/.exec(line);
      if (!m) problems.push(`${path}:${n + 1}: not a "file -> import  # reason" line: ${line}`);
      else if (!m[3]?.trim()) problems.push(`${path}:${n + 1}: ${m[1]} -> ${m[2]} gives no reason (add "# why it is allowed for now")`);
      else entries.push({ file: m[1], target: m[2], line: n + 1, used: false });
    });
  return { entries, problems };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const violations = check(opts.root);
  const allow = readAllowList(opts.allow);
  const allowName = toPosix(relative(opts.root, opts.allow)) || opts.allow;
  let failing = 0;
  let allowed = 0;
  for (const v of violations) {
    const entry = allow.entries.find((e) => e.file === v.file && e.target === v.target);
    if (entry) {
      entry.used = true;
      allowed++;
      if (opts.all) console.log(`${v.file}: ${v.rule}: ${v.target} (${v.why}) (allowed)`);
      continue;
    }
    failing++;
    console.log(`${v.file}: ${v.rule}: ${v.target} (${v.why}; rule: ${RULES[v.rule]})`);
  }
  for (const problem of allow.problems) console.log(problem);
  const stale = allow.entries.filter((e) => !e.used);
  for (const e of stale) console.log(`${allowName}:${e.line}: stale: ${e.file} -> ${e.target} is no longer a violation; remove the line`);
  const bad = failing + stale.length + allow.problems.length;
  console.log(
    `check-layers: ${failing} violation${failing === 1 ? '' : 's'}, ${allowed} allowed by ${allowName}` +
      (stale.length ? `, ${stale.length} stale allow-list line${stale.length === 1 ? '' : 's'}` : '') +
      (allow.problems.length ? `, ${allow.problems.length} malformed allow-list line${allow.problems.length === 1 ? '' : 's'}` : '') +
      ` (${violations.length} found in all)`,
  );
  process.exit(bad > 0 ? 1 : 0);
}

if (process.argv[1] && toPosix(process.argv[1]).endsWith('scripts/check-layers.mjs')) main();
