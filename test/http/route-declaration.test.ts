/**
 * Every field a route declares is read by the code that serves routes: a field that every route
 * file fills in and nothing reads (as `rateClass` was, issue 14) tells its reader that something
 * happens which does not. The fields are read from the `Route` interface in src/http/ itself, so a
 * field added later is held to this too; a read is `<something named route>.field` (or `?.field`,
 * or destructuring from a route) in src/ outside the route files and outside comments.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

/** Fields known to be unread, each with what is being done about it (shown by the test runner as todo). */
const KNOWN_UNREAD: Readonly<Record<string, string>> = Object.freeze({
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Block comments and `//` comments removed (crudely: a `//` after a quote or a colon, as in a URL, is kept). */
const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

const sources = walk('src').map((path) => ({ path: path.split('\\').join('/'), code: withoutComments(readFileSync(path, 'utf8')) }));

/** The names of the top-level fields of `export interface Route<...> { ... }`, wherever in src/http/ it lives. */
function routeFields(): { file: string; fields: string[] } {
  const declaring = sources.filter((s) => s.path.startsWith('src/http/') && /export interface Route\b/.test(s.code));
  assert.equal(declaring.length, 1, `one file under src/http/ declares the Route interface: ${declaring.map((s) => s.path).join(', ')}`);
  const { path, code } = declaring[0]!;
  const start = code.indexOf('{', code.search(/export interface Route\b/));
  const fields: string[] = [];
  // Line by line, with the brace depth at each line's start: the fields are the lines at depth 1.
  let depth = 0;
  for (const line of code.slice(start).split('\n')) {
    const m = depth === 1 ? /^\s*(?:readonly\s+)?(\w+)\??\s*:/.exec(line) : null;
    if (m) fields.push(m[1]!);
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth <= 0) break;
  }
  return { file: path, fields };
}

/** Whether `field` is read from a route anywhere in src/ outside src/http/routes/. */
function isRead(field: string): boolean {
  const access = new RegExp(`\\b\\w*route\\w*\\??\\.${field}\\b|\\b\\w*route\\w*\\[['"]${field}['"]\\]`, 'i');
  // `const { a, field } = route` and `({ a, field }: AnyRoute)`.
  const destructuring = /\{([^{}]*)\}\s*(?::\s*(?:AnyRoute|Route\b)|=\s*\w*route\w*\s*[;,)\n])/gi;
  return sources
    .filter((s) => !s.path.startsWith('src/http/routes/'))
    .some(({ code }) => access.test(code) || [...code.matchAll(destructuring)].some((m) => m[1]!.split(',').some((part) => part.trim().split(/[\s:=]/)[0] === field)));
}

describe('route declaration', () => {
  const { file, fields } = routeFields();

  test(`the Route interface (${file}) is found, with its fields`, () => {
    // Guards the test itself: a parser that found nothing would pass every field below vacuously.
    assert.ok(fields.length >= 10, `fields found: ${fields.join(', ')}`);
    for (const expected of ['method', 'path', 'scope', 'input', 'handle']) assert.ok(fields.includes(expected), `${expected} in ${fields.join(', ')}`);
  });

  for (const field of fields) {
    const todo = KNOWN_UNREAD[field];
    test(`Route.${field}, declared by routes, is read by the code that serves them`, todo ? { todo } : {}, () => {
      assert.ok(isRead(field), `Route.${field} is declared in ${file} but nothing outside src/http/routes/ reads it: wire it or delete it`);
    });
  }
});
