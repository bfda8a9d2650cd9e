import { MemoryStore } from '../../src/stores/memory.ts';
import { runRateLimitContract } from './contract.ts';

// Each embedded store counts on its own (one process): instances sharing one is the same object.
const shared = new MemoryStore();
runRateLimitContract('memory', { makeStore: async () => shared });
