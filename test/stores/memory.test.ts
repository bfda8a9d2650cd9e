import { MemoryStore } from '../../src/stores/memory.ts';
import { runStoreContract } from './contract.ts';

runStoreContract('memory', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
