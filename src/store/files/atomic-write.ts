import { open, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * Writes a file so that a crash leaves either the old or the new content, never half of one:
 * write a temporary file, sync it, rename it over the target, sync the folder.
 */
export async function writeFileAtomic (path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const file = await open(temporary, 'w', 0o644)
    try {
      await file.writeFile(content)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, path)
  } catch (err) {
    await rm(temporary, { force: true })
    throw err
  }
  await syncFolder(dirname(path))
}

/** A rename or an unlink is durable only once its folder is synced. */
export async function syncFolder (folder: string): Promise<void> {
  const handle = await open(folder, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
