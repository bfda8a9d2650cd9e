import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { runLimitScenarios } from './http.ts';

const servers: TestRedis[] = [];
runLimitScenarios('redis', {
  make: async () => {
    const redis = await startRedis();
    servers.push(redis);
    return new RedisStore({ url: redis.url });
  },
  dispose: async () => {
    for (const redis of servers) await redis.dispose();
  },
});
