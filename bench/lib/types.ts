/** The shape of bench/results/latest.json. */

export interface Load {
  /** Requests per second over the measurement (all answers; `bad` counts the non-2xx and errors). */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  bad: number;
  /** Server CPU (user + system, its whole process group) per request, ms; null when not known. */
  cpuMs: number | null;
}

export interface Runtime {
  label: string;
  bin: string;
  version: string;
  /** node:crypto has ML-KEM and ML-DSA (Node >= 24.7). */
  native: boolean;
  source: string;
  /** The crypto backend our server's /readyz names ('unknown' when it names none). */
  backend?: string;
  readyz?: Record<string, unknown>;
}

export interface EndpointRow {
  runtime: string;
  backend: string;
  label: string;
  /** The in-process operation compared with (bench/inprocess.ts), if any. */
  op: string | null;
  inProcess: number | null;
  /** CPU ms per in-process operation. */
  inProcessCpuMs: number | null;
  http: Load;
}

export interface NaiveRow {
  runtime: string;
  service: 'ours' | 'naive noble' | 'naive native';
  rounds: Load[];
  /** The median of the rounds. */
  load: Load;
}

export interface SaturationRow {
  runtime: string;
  backend: string;
  /** What saturates the server: 'signing' (ML-DSA-65, fast lane) or 'slow lane' (SLH-DSA). */
  load?: 'signing' | 'slow lane';
  sign: Load;
  healthz: Load;
}

export interface RedisRow {
  runtime: string;
  backend: string;
  workers: number;
  label: string;
  auth: 'API key' | 'token' | 'token with attempts' | 'time-only token';
  rounds: Load[];
  /** The median of the rounds. */
  http: Load;
}

export interface Ratio {
  label: string;
  value: number | null;
  unit: 'x' | 'ms' | '% cost';
  target: string;
  /** null when not measured or informative only. */
  met: boolean | null;
  /**
   * The same ratio from the servers' CPU per request (throughput-equivalent when CPU-bound), far
   * less sensitive to what else runs on the machine. A target is met only when the median req/s
   * ratio AND this one meet it.
   */
  byCpu?: number | null;
  /** The lowest and highest of the rounds' ratios (req/s), when measured in rounds. */
  spread?: [number, number] | null;
  detail: string;
}

export interface BenchResult {
  date: string;
  durationSeconds?: number;
  settings: { seconds: number; connections: number; warmupSeconds: number; inProcessSeconds: number; rounds: number; roundSeconds: number; kemKeys: number; oneOffKemKeys?: number };
  machine: { cpus: number; model: string; loadavgAtStart: number[]; platform: string };
  loadGenerator: string;
  entry: string;
  cryptoBackendEnv: string | null;
  runtimes: Runtime[];
  node24Skipped: string | null;
  inProcess: Record<string, Record<string, number | null>>;
  inProcessCpuMs: Record<string, Record<string, number | null>>;
  endpoints: EndpointRow[];
  naive: NaiveRow[];
  /** The same services and rounds with keys never named twice within what a server keeps prepared (absent in runs before 2026-12-06 16:00 UTC). */
  naiveOneOff?: NaiveRow[];
  saturation: SaturationRow[];
  redis: RedisRow[];
  redisSkipped: string | null;
  ratios: Ratio[];
  notes: string[];
}
