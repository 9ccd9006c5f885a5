import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { syncFolder, writeFileAtomic } from './atomic-write.js'

/**
 * app_path as Tyk's management API writes it: one `<api_id>.json` per API, two-space indented.
 * A loaded API keeps the file it came from: Tyk would write `<api_id>.json` beside a hand-named
 * `app_sample.json`, and the next load would find its api_id twice.
 */
export class ApiFolder {
  constructor (private readonly folder: string, private readonly loadedFrom: (apiId: string) => string | undefined = () => undefined) {}

  async put (apiId: string, definition: unknown): Promise<void> {
    await writeFileAtomic(this.fileOf(apiId), JSON.stringify(definition, null, 2) + '\n')
  }

  private fileOf (apiId: string): string {
    return this.loadedFrom(apiId) ?? join(this.folder, `${apiId}.json`)
  }

  /** Resolves false when there was no such file. */
  async delete (apiId: string): Promise<boolean> {
    try {
      await rm(this.fileOf(apiId))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
    await syncFolder(this.folder)
    return true
  }
}
