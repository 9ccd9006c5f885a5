import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { syncFolder, writeFileAtomic } from './atomic-write.js'

/** app_path as Tyk's management API writes it: one `<api_id>.json` per API, two-space indented. */
export class ApiFolder {
  constructor (private readonly folder: string) {}

  async put (apiId: string, definition: unknown): Promise<void> {
    await writeFileAtomic(join(this.folder, `${apiId}.json`), JSON.stringify(definition, null, 2) + '\n')
  }

  /** Resolves false when there was no such file. */
  async delete (apiId: string): Promise<boolean> {
    try {
      await rm(join(this.folder, `${apiId}.json`))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
    await syncFolder(this.folder)
    return true
  }
}
