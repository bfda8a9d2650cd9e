/**
 * `npm run bench:cluster`: the exactly-K trial over a local Redis Cluster of 3 primaries and two
 * instances of our server (docs/operations.md, "Several instances on Redis Cluster").
 *
 * Starts three throwaway redis-servers in cluster mode (test/helpers/redis.ts), gives each a third
 * of the 16384 slots and lets them meet; starts two instances of our server (dist/main.js when
 * built, else src/ through tsx; WORKERS=1 each, REDIS_CLUSTER_NODES naming the three, the rate
 * limits on and never binding); mints TOKENS tokens of K attempts each (their families hash to
 * slots on every primary); then, for every token at once, sends 3K concurrent requests split
 * between the two instances, and counts the answers. The requests are `POST /v1/dsa/verify {}`:
 * let through, each uses an attempt and is answered 422 (validation), with no cryptography, so no
 * answer depends on the machine's load (an encapsulation refused 503 crypto-busy on a loaded
 * machine gives its attempt back, and the token may then end with fewer than K used). Exactly K
 * of each token's requests must be let through (422), the rest refused (401); exits 1 otherwise. Prints the counts, where the tokens' slots live,
 * the scripts Redis ran per request (INFO commandstats, summed over the primaries), and the time
 * taken.
 *
 *   npm run bench:cluster                      # 24 tokens of K = 20
 *   TRIAL_TOKENS=60 TRIAL_K=50 npm run bench:cluster
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../test/helpers/redis.ts';
import { ourEntry, ourEnv, startService, type Service } from './lib/procs.ts';

const TOKENS = Number(process.env.TRIAL_TOKENS ?? 24);
const K = Number(process.env.TRIAL_K ?? 20);
const log = (line: string) => process.stdout.write(line + '\n');
const started = Date.now();

const nodes: TestRedis[] = [];
const servers: Service[] = [];
let failed = false;
try {
  // 1. Three primaries, a third of the slots each.
  for (let i = 0; i < 3; i++) nodes.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--cluster-announce-ip', '127.0.0.1']));
  const admins = nodes.map((n) => new Redis(n.url));
  const ranges: [number, number][] = [[0, 5460], [5461, 10922], [10923, 16383]];
  for (const [i, admin] of admins.entries()) await admin.call('CLUSTER', 'ADDSLOTSRANGE', String(ranges[i]![0]), String(ranges[i]![1]));
  for (const node of nodes.slice(1)) await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(node.port));
  for (let i = 0; ; i++) {
    const states = await Promise.all(admins.map(async (a) => String(await a.call('CLUSTER', 'INFO'))));
    if (states.every((s) => s.includes('cluster_state:ok') && s.includes('cluster_known_nodes:3'))) break;
    if (i > 200) throw new Error('the 3-primary cluster did not become ready in 20 s');
    await sleep(100);
  }
  log(`Redis Cluster: 3 primaries on ports ${nodes.map((n) => n.port).join(', ')} (slots ${ranges.map(([a, b]) => `${a}-${b}`).join(', ')})`);

  // 2. Two instances of our server on it.
  const apiKey = `trial-${randomBytes(24).toString('base64url')}`;
  const secrets = { apiKey, tokenSecret: randomBytes(48).toString('base64'), masterKey: randomBytes(32).toString('base64') };
  const { args, entry } = ourEntry();
  const env = ourEnv(secrets, {
    REDIS_CLUSTER_NODES: nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(','),
    RATE_LIMIT_PER_TENANT: '1000000',
    RATE_LIMIT_PER_TOKEN: '1000000',
    AUTH_FAILURES_PER_MINUTE: '1000000',
  });
  for (const name of ['instance A', 'instance B']) servers.push(await startService({ name, bin: process.execPath, args, env, readyPath: '/readyz' }));
  log(`Two instances (${entry}, ${process.version}, WORKERS=1 each) on ${servers.map((s) => s.url).join(' and ')}`);

  const call = async (server: Service, path: string, auth: string, body: unknown) => {
    const res = await fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  // 3. Tokens of K attempts, minted on both instances; where their families live.
  const tokens: { token: string; id: string }[] = [];
  for (let i = 0; i < TOKENS; i++) {
    const minted = await call(servers[i % 2]!, '/v1/tokens', apiKey, { expire_after_attempts: K, expiry_time: 600 });
    if (minted.status !== 201) throw new Error(`mint: ${minted.status} ${JSON.stringify(minted.body)}`);
    tokens.push({ token: minted.body.new_token as string, id: minted.body.token_id as string });
  }
  const perPrimary = [0, 0, 0];
  for (const { id } of tokens) {
    const slot = Number(await admins[0]!.call('CLUSTER', 'KEYSLOT', `{f:${id.split('.')[0]}}`));
    perPrimary[ranges.findIndex(([a, b]) => slot >= a && slot <= b)]!++;
  }
  log(`${TOKENS} tokens of K = ${K} attempts; their families' slots on the three primaries: ${perPrimary.join(' / ')}`);

  // 4. 3K concurrent requests per token, all tokens at once, alternating between the instances.
  const calls = async (): Promise<Record<string, string>> => Object.fromEntries(await Promise.all(admins.map(async (a, i) => [i, String(await a.call('INFO', 'commandstats'))])));
  // Scripts run (INFO commandstats counts the commands inside a script too, so those are left
  // out): EVALSHA calls that ran (not refused NOSCRIPT) and EVAL calls, over the three primaries.
  const commandsOf = (stats: Record<string, string>) =>
    Object.values(stats).reduce((sum, text) => {
      const stat = (name: string) => /calls=(\d+).*rejected_calls=(\d+),failed_calls=(\d+)/.exec(new RegExp(`^cmdstat_${name}:.*$`, 'm').exec(text)?.[0] ?? '')?.slice(1).map(Number) ?? [0, 0, 0];
      const [calls, rejected, failed] = stat('evalsha');
      return sum + calls! - rejected! - failed! + stat('eval')[0]!;
    }, 0);
  const before = commandsOf(await calls());
  const t0 = performance.now();
  const outcomes = await Promise.all(
    tokens.map(async ({ token }) => {
      const statuses = await Promise.all(Array.from({ length: 3 * K }, (_, i) => call(servers[i % 2]!, '/v1/dsa/verify', token, {}).then((r) => r.status)));
      return { passed: statuses.filter((s) => s === 422).length, refused: statuses.filter((s) => s === 401).length, other: statuses.filter((s) => s !== 422 && s !== 401) };
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const requests = TOKENS * 3 * K;
  const after = await calls();
  const commands = commandsOf(after) - before;
  if (process.env.TRIAL_VERBOSE) for (const text of Object.values(after) as string[]) log(text);
  for (const a of admins) a.disconnect();

  const exact = outcomes.filter((o) => o.passed === K && o.other.length === 0).length;
  const passed = outcomes.reduce((s, o) => s + o.passed, 0);
  const others = outcomes.flatMap((o) => o.other);
  log('');
  log(`${requests} requests (${3 * K} per token, half on each instance, all concurrent) in ${seconds.toFixed(1)} s (${Math.round(requests / seconds)} req/s)`);
  log(`tokens with exactly K = ${K} requests let through: ${exact} of ${TOKENS}`);
  log(`let through (422, an attempt used): ${passed} (expected ${TOKENS * K}); refused 401: ${outcomes.reduce((s, o) => s + o.refused, 0)}; other answers: ${others.length ? JSON.stringify(others.slice(0, 10)) : 'none'}`);
  log(`Redis scripts run during the burst, all primaries: ${commands} (${(commands / requests).toFixed(2)} per request: one admission script per request, plus one count of the address's failure per 401)`);
  log(`trial took ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  failed = exact !== TOKENS;
  log(failed ? 'FAILED: some token let through other than exactly K requests' : 'OK: exactly K per token across two instances and three primaries');
} catch (error) {
  failed = true;
  log(`trial failed: ${error instanceof Error ? error.stack : String(error)}`);
  for (const s of servers) log(`${s.url} stderr: ${s.stderr().slice(-1500)}`);
} finally {
  for (const s of servers) await s.stop();
  for (const n of nodes) await n.dispose();
}
process.exit(failed ? 1 : 0);
