import { MemoryStore } from '../../src/stores/memory.ts';
import { runLimitScenarios } from './http.ts';

runLimitScenarios('memory', { make: async () => new MemoryStore() });
