import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, truncate, unlink, type FileHandle } from 'node:fs/promises';

/** An open file of FileStorage's: written at explicit offsets, made durable by `sync`. */
export interface StorageFile {
  /** Writes all of `data` at byte `position`. */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Makes everything written so far durable (fdatasync: the data and the size, not the timestamps). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system operations FileStorage uses, and nothing else: the seam through which tests count fsyncs and
 * inject failures (see `observeFileSystem`). Paths are absolute.
 */
export interface StorageFileSystem {
  /** Creates the directory and its parents if missing. */
  mkdir(path: string): Promise<void>;
  /** The names in a directory. */
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** Opens a file for writing: `create` makes a new empty file (replacing any), `existing` opens one as it is. */
  open(path: string, mode: 'create' | 'existing'): Promise<StorageFile>;
  /** Renames atomically, replacing `to`. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Cuts a file to `length` bytes. */
  truncate(path: string, length: number): Promise<void>;
  /** Makes the directory's entries durable (creations, renames, removals): an fsync of the directory. */
  syncDir(path: string): Promise<void>;
}

/**
 * A file opened with O_DSYNC: each write returns only once its data (and the size needed to read it back) is
 * durable, as a write followed by fdatasync would be, in one call to the thread pool instead of two. `sync` then
 * has nothing left to do for what was written through this handle, and skips the fdatasync; it still runs one when
 * nothing has been written since the open, since the file may carry changes made by path (a truncation at
 * recovery) that only an fdatasync makes durable.
 */
class NodeFile implements StorageFile {
  /** True once everything this handle knows of is durable: after a sync, or after a (synchronous) write. */
  private durable = false;

  constructor(private readonly handle: FileHandle) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    this.durable = false;
    let done = 0;
    // A positional write to a regular file is normally whole, but POSIX allows a short one: finish it.
    while (done < data.byteLength) {
      const { bytesWritten } = await this.handle.write(data, done, data.byteLength - done, position + done);
      done += bytesWritten;
    }
    this.durable = true;
  }

  async sync(): Promise<void> {
    if (this.durable) return;
    await this.handle.datasync();
    this.durable = true;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system, through `node:fs/promises`. */
export const nodeFileSystem: StorageFileSystem = {
  async mkdir(path) {
    await mkdir(path, { recursive: true });
  },
  readdir: (path) => readdir(path),
  readFile: (path) => readFile(path),
  async open(path, mode) {
    // O_DSYNC: every write is durable when it returns (see NodeFile).
    const flags =
      constants.O_RDWR | constants.O_DSYNC | (mode === 'create' ? constants.O_CREAT | constants.O_TRUNC : 0);
    return new NodeFile(await open(path, flags, 0o644));
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  truncate: (path, length) => truncate(path, length),
  async syncDir(path) {
    const handle = await open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** What `observeFileSystem` reports: each hook runs before the operation, and may throw to make it fail. */
export interface FileSystemObserver {
  /** Before an fsync of a file. */
  beforeSync?(path: string): void | Promise<void>;
  /** Before an fsync of a directory. */
  beforeSyncDir?(path: string): void | Promise<void>;
  /** Before a write of `bytes` bytes to a file. */
  beforeWrite?(path: string, bytes: number): void | Promise<void>;
}

/**
 * Wraps a file system so that every write and fsync is reported to `observer` first: to count fsyncs (the proof of
 * group commit) or to inject a failure (a hook that throws makes the operation fail as the disk would).
 */
export function observeFileSystem(base: StorageFileSystem, observer: FileSystemObserver): StorageFileSystem {
  return {
    ...base,
    async open(path, mode) {
      const file = await base.open(path, mode);
      return {
        async write(data, position) {
          await observer.beforeWrite?.(path, data.byteLength);
          await file.write(data, position);
        },
        async sync() {
          await observer.beforeSync?.(path);
          await file.sync();
        },
        close: () => file.close(),
      };
    },
    async syncDir(path) {
      await observer.beforeSyncDir?.(path);
      await base.syncDir(path);
    },
  };
}
