import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Policy } from '../../model/policy.js'
import type { PolicyWrites } from '../ports.js'
import { syncFolder, writeFileAtomic } from './atomic-write.js'

/** The folder cannot hold policy files (missing, not a folder, not writable). */
export class PolicyFolderUnusableError extends Error {}

/**
 * Tyk 5's policy_path: one `<id>.json` per policy, two-space indented. The loader reads the
 * folder back (load-policy-files.ts), so `list` is empty here: the files are the source.
 */
export class PolicyFolder implements PolicyWrites {
  constructor (private readonly folder: string) {}

  list (): Policy[] {
    return []
  }

  async put (policy: Policy): Promise<void> {
    await this.assertUsable()
    await writeFileAtomic(this.fileOf(policy.id), JSON.stringify(policy, null, 2) + '\n')
  }

  async delete (id: string): Promise<boolean> {
    await this.assertUsable()
    try {
      await rm(this.fileOf(id))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
    await syncFolder(this.folder)
    return true
  }

  /** Ids are checked by the caller; join() with such an id cannot leave the folder. */
  private fileOf (id: string): string {
    return join(this.folder, `${id}.json`)
  }

  private async assertUsable (): Promise<void> {
    try {
      if ((await stat(this.folder)).isDirectory()) return
    } catch {}
    throw new PolicyFolderUnusableError(`policy_path ${this.folder} is not a usable folder`)
  }
}
