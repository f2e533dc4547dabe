import { StorageError } from '../../errors.js';
import { errno } from './safe-path.js';

/** Turns a node:fs error into a StorageError. Paths in messages are the storage's own, no secrets. */
export function mapDiskError(error: unknown, key?: string): StorageError {
  if (StorageError.isInstance(error)) return error;
  const code = errno(error);
  const where = key === undefined ? '' : ` for ${JSON.stringify(key)}`;
  const options = { driver: 'disk', key, cause: error };
  switch (code) {
    case 'ENOENT':
      return new StorageError('NOT_FOUND', `No object${where}.`, options);
    case 'EEXIST':
      return new StorageError('ALREADY_EXISTS', `An object already exists${where}.`, options);
    case 'EISDIR':
    case 'ENOTDIR':
    case 'ENOTEMPTY':
      return new StorageError(
        'ALREADY_EXISTS',
        `On disk a key cannot be both a file and a folder: ${key === undefined ? 'a key' : JSON.stringify(key)} collides with an existing ${code === 'ENOTDIR' ? 'file' : 'folder'}.`,
        options,
      );
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StorageError(
        'PERMISSION_DENIED',
        `The process may not access the file${where} (${code}).`,
        options,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new StorageError(
        'INSUFFICIENT_STORAGE',
        `The disk is full${where} (${code}): free space or raise the quota.`,
        options,
      );
    case 'ENAMETOOLONG':
      return new StorageError(
        'INVALID_KEY',
        `A part of the key${where} is longer than the file system allows (255 bytes per name, 4096 per path).`,
        options,
      );
    case 'EMFILE':
    case 'ENFILE':
    case 'EBUSY':
    case 'EAGAIN':
      return new StorageError(
        'RATE_LIMITED',
        `Too many open files or a busy file${where} (${code}); retry.`,
        { ...options, retryable: true },
      );
    case 'ELOOP':
      return new StorageError('PERMISSION_DENIED', `Too many symbolic links${where}.`, options);
    case 'ABORT_ERR':
      return new StorageError('UNKNOWN', `The operation was aborted${where}.`, options);
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new StorageError('UNKNOWN', `Disk operation failed${where}: ${message}`, options);
    }
  }
}
