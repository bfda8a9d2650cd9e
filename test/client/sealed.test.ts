/**
 * The client's `sealed` option and the CLI's --sealed against a real server: every /v1 call goes
 * through POST /ohttp (nothing under /v1 is on the wire), answers and errors come back as with
 * plain calls, keys are fetched once or pinned, a refused request is sealed again once to freshly
 * fetched keys (rotation), and the client's HPKE (packages/client/src/sealed.ts, on @noble/*) is
 * opened by the server's gateway (the `hpke` package) for each KEM and AEAD.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NotFoundError, PqcClient, SealedRequestRefusedError, UnauthorizedError, ValidationError, encapsulateLocally } from '../../packages/client/src/index.ts';
import { run, type Io } from '../../packages/client/src/cli/run.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

let api: TestServer;
let keys: Uint8Array;
before(async () => {
  api = await startServer();
  keys = new Uint8Array(await (await fetch(`${api.url}/ohttp-keys`)).arrayBuffer());
});
after(() => api.close());

/** fetch, recording the paths requested. */
function recording(): { fetch: typeof fetch; paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    fetch: (input, init) => {
      paths.push(new URL(String(input)).pathname);
      return fetch(input, init);
    },
  };
}

/** How many requests the server counted under a route (its metrics). */
async function counted(route: string): Promise<number> {
  const text = String((await api.call('GET', '/metrics')).body);
  return text
    .split('\n')
    .filter((l) => l.startsWith('pqapi_http_requests_total{') && l.includes(`route="${route}"`))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

describe('PqcClient with sealed: true', () => {
  test('key pair, decapsulation and listing work, and only /ohttp-keys (once) and /ohttp are on the wire', async () => {
    const wire = recording();
    const client = new PqcClient({ baseUrl: api.url, token: TENANTS.alice, sealed: true, fetch: wire.fetch });
    const pair = await client.kem.keypair({ algorithm: 'X-Wing' });
    assert.match(pair.key_id, /^kem_/);
    assert.equal(pair.algorithm, 'X-Wing');
    const local = encapsulateLocally(pair.pk);
    const { shared_key } = await client.kem.decapsulate({ key_id: pair.key_id, cipher: local.cipher });
    assert.equal(shared_key, local.shared_key);
    const listed = await client.keys.list({ limit: 5 });
    assert.ok(listed.keys.some((k) => k.key_id === pair.key_id));
    assert.deepEqual(wire.paths, ['/ohttp-keys', '/ohttp', '/ohttp', '/ohttp']);
  });

  test('inner errors throw the same typed errors as plain calls', async () => {
    const client = new PqcClient({ baseUrl: api.url, token: TENANTS.alice, sealed: true });
    await assert.rejects(client.kem.decapsulate({ key_id: 'kem_AAAAAAAAAAAAAAAAAAAAAA', cipher: 'AA' }), NotFoundError);
    await assert.rejects(client.kem.keypair({ algorithm: 'nope' as never }), ValidationError);
    await assert.rejects(new PqcClient({ baseUrl: api.url, token: 'not-a-key', sealed: true }).kem.keypair(), UnauthorizedError);
  });

  test('pinned keys: nothing fetched; each KEM and AEAD is opened by the server', async () => {
    for (const kem of ['X-Wing', 'ML-KEM-768'] as const) {
      for (const aead of ['AES-256-GCM', 'ChaCha20-Poly1305'] as const) {
        const wire = recording();
        const client = new PqcClient({ baseUrl: api.url, token: TENANTS.alice, sealed: { keys, kem, aead }, fetch: wire.fetch });
        const { attempts_left } = await client.tokens.current();
        assert.equal(attempts_left, null, `${kem} ${aead}`);
        assert.deepEqual(wire.paths, ['/ohttp'], `${kem} ${aead}`);
      }
    }
  });

  test('the server counts the inner route as well as /ohttp', async () => {
    const [outer, inner] = [await counted('/ohttp'), await counted('/v1/kem/keypair')];
    await new PqcClient({ baseUrl: api.url, token: TENANTS.alice, sealed: true }).kem.keypair();
    assert.equal(await counted('/ohttp'), outer + 1);
    assert.equal(await counted('/v1/kem/keypair'), inner + 1);
  });

  test('paths outside /v1 go plainly', async () => {
    const wire = recording();
    const client = new PqcClient({ baseUrl: api.url, sealed: true, fetch: wire.fetch });
    assert.equal((await client.health()).status, 'ok');
    assert.deepEqual(wire.paths, ['/healthz']);
  });

  test('rotated keys: pinned stale ones are refused (SealedRequestRefusedError); fetched stale ones are fetched again once, and the call works', async () => {
    const rotated = await startServer({ env: { OHTTP_KEY_ID: '200' } });
    try {
      const stale = new PqcClient({ baseUrl: rotated.url, token: TENANTS.alice, sealed: { keys } });
      await assert.rejects(stale.kem.keypair(), SealedRequestRefusedError);

      // The first GET /ohttp-keys answers the old keys (a cache in the way), later ones the new.
      const wire = recording();
      let served = 0;
      const fetchOld: typeof fetch = async (input, init) => {
        if (new URL(String(input)).pathname === '/ohttp-keys' && served++ === 0) {
          wire.paths.push('/ohttp-keys (stale)');
          return new Response(new Uint8Array(keys), { headers: { 'content-type': 'application/ohttp-keys' } });
        }
        return wire.fetch(input, init);
      };
      const client = new PqcClient({ baseUrl: rotated.url, token: TENANTS.alice, sealed: true, fetch: fetchOld });
      const pair = await client.kem.keypair();
      assert.match(pair.key_id, /^kem_/);
      assert.deepEqual(wire.paths, ['/ohttp-keys (stale)', '/ohttp', '/ohttp-keys', '/ohttp']);
    } finally {
      await rotated.close();
    }
  });
});

describe('pqc --sealed', () => {
  async function pqc(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: Io = {
      env: { PQC_URL: api.url, PQC_TOKEN: TENANTS.alice, ...env },
      homedir: '/nonexistent',
      version: (JSON.parse(readFileSync('packages/client/package.json', 'utf8')) as { version: string }).version,
      stdoutIsTTY: false,
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      readFile: async (path) => new Uint8Array(readFileSync(path)),
      readStdin: async () => new Uint8Array(0),
    };
    return { code: await run(args, io), stdout, stderr };
  }

  test('--sealed (or PQC_SEALED=1) sends the command through /ohttp; the output is the same as a plain call\'s', async () => {
    for (const [args, env] of [[['--sealed', 'kem', 'keypair', '--algorithm', 'ML-KEM-512']], [['kem', 'keypair', '--algorithm', 'ML-KEM-512'], { PQC_SEALED: '1' }]] as const) {
      const before = await counted('/ohttp');
      const r = await pqc(args, env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).algorithm, 'ML-KEM-512');
      assert.equal(await counted('/ohttp'), before + 1, args.join(' '));
    }
    const plainBefore = await counted('/ohttp');
    assert.equal((await pqc(['kem', 'keypair'])).code, 0);
    assert.equal(await counted('/ohttp'), plainBefore, 'without --sealed, nothing goes through /ohttp');
  });

  test('an inner error exits as the plain one does', async () => {
    const r = await pqc(['--sealed', 'kem', 'decapsulate', '--key-id', 'kem_AAAAAAAAAAAAAAAAAAAAAA', '--cipher', 'AA']);
    assert.equal(r.code, 4, r.stderr);
  });
});
