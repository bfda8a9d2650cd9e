#!/usr/bin/env node
/**
 * The `pqc` executable (the package's bin): wires this process (argv, environment, files, stdin,
 * stdout, stderr) to run() and exits with its status. Everything else is in run.ts.
 * @module
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { run } from './run.ts';

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// A reader that stops early (pqc ... | head) is not an error of ours.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

// src/cli/main.ts and dist/cli/main.js are both two levels below the package's root.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  homedir: homedir(),
  version,
  stdoutIsTTY: process.stdout.isTTY === true,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readFile: (path) => readFile(path),
  readStdin,
});
