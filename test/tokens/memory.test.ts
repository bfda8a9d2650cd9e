import { MemoryStore } from '../../src/stores/memory.ts';
import { runTokenScenarios } from './scenarios.ts';

runTokenScenarios('memory', { make: async () => new MemoryStore() });
