/**
 * Write-then-rename, so a reader (the web host serving a thumbnail, a re-import checking what
 * exists) never sees half a file, and a crash leaves at most a stray `*.tmp`. Folders are
 * created only when the first write into them fails with ENOENT: that keeps the common case
 * (folder exists) at one open/write/close plus one rename.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, data);
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
