/** Durable storage for a Raft node: the Storage contract, FileStorage (write-ahead log + state files), MemoryStorage. */
export {
  CorruptLogError,
  InvalidCommandError,
  InvalidWriteError,
  StorageClosedError,
  StorageError,
  StorageFailedError,
  StorageMisuseError,
  type StorageErrorCode,
} from './errors.js';
export {
  DEFAULT_SEGMENT_BYTES,
  FileStorage,
  type FileStorageOptions,
  type RecoveryReport,
} from './file-storage.js';
export {
  nodeFileSystem,
  observeFileSystem,
  type FileSystemObserver,
  type StorageFile,
  type StorageFileSystem,
} from './file-system.js';
export { MemoryStorage, MemoryVolume } from './memory-storage.js';
export type { Storage, StorageWrite } from './storage.js';
