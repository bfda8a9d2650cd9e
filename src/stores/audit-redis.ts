/**
 * The shared audit trail on Redis (see audit.ts for the lanes and the budget). Keys, all under
 * the tenant's hash tag (Redis Cluster keeps them in the tenant's slot):
 *
 *   pqapi:{t:<tenant>}:audit                 stream  use entries (the one-lane trail's key, so
 *                                                    entries written before the lanes stay readable)
 *   pqapi:{t:<tenant>}:audit-sec             stream  security entries
 *   pqapi:{t:<tenant>}:audit-seq             string  the last id given, `<ms>-<seq>`: one sequence
 *                                                    for both streams, so ids never collide
 *   pqapi:{t:<tenant>}:audit-budget:<token>:<window>
 *                                            hash    n (entries of the token this window), id and
 *                                                    e (its summary entry); expires after 2 windows
 *
 * Each append is one script: the id, the budget and the XADD (`MAXLEN ~ <cap>`: Redis trims whole
 * stream nodes, so a stream holds at least its cap and at most about one node, 100 entries,
 * more). A folded entry deletes the token's summary (XDEL) and adds it again, counted up, as the
 * newest entry. Reading is XREVRANGE on both streams, merged by id.
 *
 * It runs on the RedisStore's connection, with its deadline and fail-closed errors: when Redis
 * cannot take the entry (down, OOM under `maxmemory`, ...) append rejects with
 * StoreUnavailableError.
 * @module
 */
import {
  AUDIT_BUDGET_WINDOW_MS,
  AUDIT_EVENTS,
  AUDIT_MAX_KEY_IDS,
  auditSettings,
  laneOf,
  listLanes,
  normalized,
  type AuditEntry,
  type AuditLane,
  type AuditLog,
  type AuditLogOptions,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
} from './audit.ts';
import { fields, LuaScript, type RedisConnection } from './redis-connection.ts';

/** What is stored in the stream entry's one field `e` (short names: the streams may hold millions). */
interface Stored {
  t: number;
  op: string;
  out: string;
  rid: string;
  crid?: string | null;
  tok: string | null;
  anc?: string[];
  key: string | null;
  keys?: string[];
  n?: number;
  tgt: string | null;
  sup?: number;
  cli?: string;
  /** The client registered or deleted, the session opened or ended. */
  tcl?: string;
  tss?: string;
}

/**
 * Appends one entry. KEYS: use stream, security stream, sequence, the token's budget hash of
 * this window. ARGV: now (ms), lane ('use' | 'security'), cap of that lane, budget (0: none),
 * budget TTL (ms), the entry (Stored JSON), the most key ids a summary keeps. Answers `id` and
 * `e` (the entry written: the record's, or the token's summary it was folded into).
 *
 * cjson encodes an empty list as `{}`: the reader takes anything but a list as empty.
 */
const APPEND = new LuaScript(`#!lua
local function split(id)
  local d = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, d - 1)), tonumber(string.sub(id, d + 1))
end
local function nextId(fromStreams)
  local ms, seq = 0, -1
  local last = not fromStreams and redis.call('GET', KEYS[3])
  if last then
    ms, seq = split(last)
  else
    -- First use, the key was lost, or a stream holds an id this script did not give (written
    -- by hand): above whatever either stream has ever given.
    for i = 1, 2 do
      if redis.call('EXISTS', KEYS[i]) == 1 then
        local info = redis.call('XINFO', 'STREAM', KEYS[i])
        for j = 1, #info, 2 do
          if info[j] == 'last-generated-id' then
            local m, s = split(info[j + 1])
            if m > ms or (m == ms and s > seq) then ms, seq = m, s end
          end
        end
      end
    end
  end
  local now = tonumber(ARGV[1])
  if now > ms then ms, seq = now, 0 else seq = seq + 1 end
  local id = string.format('%d-%d', ms, seq)
  redis.call('SET', KEYS[3], id)
  return id
end
local function add(stream, e)
  local id = nextId(false)
  if not pcall(redis.call, 'XADD', stream, 'MAXLEN', '~', ARGV[3], id, 'e', e) then
    id = nextId(true)
    redis.call('XADD', stream, 'MAXLEN', '~', ARGV[3], id, 'e', e)
  end
  return id
end

local budget = tonumber(ARGV[4])
if ARGV[2] == 'security' then return {'id', add(KEYS[2], ARGV[6]), 'e', ARGV[6]} end
if budget == 0 then return {'id', add(KEYS[1], ARGV[6]), 'e', ARGV[6]} end
local n = redis.call('HINCRBY', KEYS[4], 'n', 1)
if n == 1 then redis.call('PEXPIRE', KEYS[4], ARGV[5]) end
if n <= budget then return {'id', add(KEYS[1], ARGV[6]), 'e', ARGV[6]} end

-- Past the budget: fold the entry into the token's one summary of this window.
local e = cjson.decode(ARGV[6])
local previous = redis.call('HGET', KEYS[4], 'e')
local s = previous and cjson.decode(previous) or {keys = {}, n = 0, sup = 0}
local keys, seen = {}, {}
local function addKeys(list)
  if type(list) ~= 'table' then return end
  for _, k in ipairs(list) do
    if #keys < tonumber(ARGV[7]) and not seen[k] then seen[k] = true; keys[#keys + 1] = k end
  end
end
addKeys(s.keys)
addKeys(e.keys)
s.t = e.t
s.op = 'audit.suppressed'
s.out = 'ok'
s.rid = e.rid
s.crid = e.crid
s.tok = e.tok
s.anc = e.anc
s.keys = keys
s.key = keys[1] or cjson.null
s.n = s.n + e.n
s.tgt = cjson.null
s.sup = s.sup + 1
local summary = cjson.encode(s)
local old = redis.call('HGET', KEYS[4], 'id')
if old then redis.call('XDEL', KEYS[1], old) end
local id = add(KEYS[1], summary)
redis.call('HSET', KEYS[4], 'id', id, 'e', summary)
return {'id', id, 'e', summary}
`);

export class RedisAuditLog implements AuditLog {
  readonly kind = 'redis' as const;
  readonly #redis: RedisConnection;
  readonly #settings: ReturnType<typeof auditSettings>;
  readonly #now: () => number;

  constructor(redis: RedisConnection, options: AuditLogOptions) {
    this.#redis = redis;
    this.#settings = auditSettings(options);
    this.#now = options.clock ?? Date.now;
  }

  async append(input: AuditRecord): Promise<AuditEntry> {
    const record = normalized(input);
    const lane = laneOf(record);
    const stored: Stored = {
      t: record.timeMs,
      op: record.operation,
      out: record.outcome,
      rid: record.requestId,
      crid: record.clientRequestId,
      tok: record.tokenId,
      anc: [...record.tokenAncestors],
      key: record.keyId,
      keys: [...record.keyIds],
      n: record.itemCount,
      tgt: record.targetTokenId,
      ...(record.clientId !== undefined ? { cli: record.clientId } : {}),
      ...(record.targetClientId !== undefined ? { tcl: record.targetClientId } : {}),
      ...(record.targetSessionId !== undefined ? { tss: record.targetSessionId } : {}),
    };
    const { maxEntries, maxSecurityEntries, entriesPerTokenPerMinute } = this.#settings;
    const budgeted = lane === 'use' && record.tokenId !== null ? entriesPerTokenPerMinute : 0;
    const window = Math.floor(record.timeMs / AUDIT_BUDGET_WINDOW_MS);
    const keys = [
      this.#key(record.tenant, 'use'),
      this.#key(record.tenant, 'security'),
      this.#redis.tenantKey(record.tenant, 'audit-seq'),
      this.#redis.tenantKey(record.tenant, `audit-budget:${encodeURIComponent(record.tokenId ?? '')}:${window}`),
    ];
    const args = [Math.floor(this.#now()), lane, lane === 'security' ? maxSecurityEntries : maxEntries, budgeted, 2 * AUDIT_BUDGET_WINDOW_MS, JSON.stringify(stored), AUDIT_MAX_KEY_IDS];
    const answer = fields(await this.#redis.eval(APPEND, keys, args), 'audit append');
    const entry = answer.id && answer.e ? parse(record.tenant, answer.id, ['e', answer.e]) : undefined;
    if (!entry) throw new Error('unexpected answer from redis to audit append');
    return entry;
  }

  async list(tenant: string, query: AuditQuery): Promise<AuditPage> {
    // Nothing is older than 0-0 (and Redis refuses the exclusive bound "(0-0").
    if (query.cursor !== undefined && /^0+-0+$/.test(query.cursor)) return { entries: [], nextCursor: null };
    return listLanes(async (lane, before, count) => {
      const end = before === undefined ? '+' : `(${before.split('-').map((n) => BigInt(n).toString()).join('-')}`;
      if (end === '(0-0') return [];
      const rows = await this.#redis.run((client) => client.xrevrange(this.#key(tenant, lane), end, '-', 'COUNT', count));
      return rows.flatMap(([id, f]) => parse(tenant, id, f) ?? []);
    }, query);
  }

  #key(tenant: string, lane: AuditLane): string {
    return this.#redis.tenantKey(tenant, lane === 'use' ? 'audit' : 'audit-sec');
  }
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** An entry as this module wrote it (entries of the one-lane trail included); anything else in a stream is skipped. */
function parse(tenant: string, id: string, f: string[]): AuditEntry | undefined {
  const json = f[0] === 'e' ? f[1] : undefined;
  if (json === undefined) return undefined;
  let s: Stored;
  try {
    s = JSON.parse(json) as Stored;
  } catch {
    return undefined;
  }
  const operation = AUDIT_EVENTS.find((e) => e === s.op);
  if (!operation) return undefined;
  const keyIds = s.keys === undefined ? (s.key ? [s.key] : []) : list(s.keys);
  return {
    id,
    timeMs: s.t,
    tenant,
    operation,
    outcome: s.out,
    requestId: s.rid,
    clientRequestId: s.crid ?? null,
    tokenId: s.tok,
    tokenAncestors: list(s.anc),
    keyId: s.key ?? null,
    keyIds,
    itemCount: typeof s.n === 'number' ? s.n : 1,
    targetTokenId: s.tgt ?? null,
    suppressed: typeof s.sup === 'number' ? s.sup : 0,
    ...(typeof s.cli === 'string' ? { clientId: s.cli } : {}),
    ...(typeof s.tcl === 'string' ? { targetClientId: s.tcl } : {}),
    ...(typeof s.tss === 'string' ? { targetSessionId: s.tss } : {}),
  };
}
