import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { runTokenScenarios } from './scenarios.ts';

let redis: TestRedis | undefined;
runTokenScenarios('redis', {
  make: async () => {
    redis = await startRedis();
    return new RedisStore({ url: redis.url });
  },
  dispose: async () => {
    await redis?.dispose();
  },
});
