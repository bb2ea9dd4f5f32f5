import { MemoryStorage, MemoryVolume } from './memory-storage.js';
import { storageConformance } from './storage-conformance.js';

storageConformance('MemoryStorage', () => {
  const volume = new MemoryVolume();
  return Promise.resolve({ open: () => new MemoryStorage(volume), cleanup: () => Promise.resolve() });
});
