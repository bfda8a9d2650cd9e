import { MemoryStore } from '../../src/stores/memory.ts';
import { runAttackReplay } from './replay.ts';

runAttackReplay('memory', { make: async () => new MemoryStore() });
