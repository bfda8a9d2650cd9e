import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { runLimitScenarios } from './http.ts';

let redis: TestRedis | undefined;
runLimitScenarios('redis', {
  make: async () => {
    redis = await startRedis();
    return new RedisStore({ url: redis.url });
  },
  dispose: async () => {
    await redis?.dispose();
  },
});
