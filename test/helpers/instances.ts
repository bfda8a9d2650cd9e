/**
 * Two API instances sharing one throwaway Redis, as two instances of one deployment behind a load
 * balancer: each its own RedisStore (its own connection), the same secrets (SHARED_ENV).
 */
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from './redis.ts';
import { startServer, type TestServer } from './server.ts';

export interface TwoInstances {
  readonly redis: TestRedis;
  readonly a: TestServer;
  readonly b: TestServer;
  /** Stops both servers, closes their stores and disposes of Redis. */
  close(): Promise<void>;
}

export async function startTwoInstances(env: Record<string, string> = {}): Promise<TwoInstances> {
  const redis = await startRedis();
  const stores = [new RedisStore({ url: redis.url }), new RedisStore({ url: redis.url })];
  const a = await startServer({ store: stores[0]!, env });
  const b = await startServer({ store: stores[1]!, env });
  return {
    redis,
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      for (const s of stores) await s.close();
      await redis.dispose();
    },
  };
}
