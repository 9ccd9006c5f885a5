import { existsSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A file of ../shared/fixtures (Tyk's own sample files, read as they are, never copied into
 * this repository). Fails loudly when the shared folder is not next to the checkout.
 */
export function sharedFixture (relativePath: string): string {
  const candidates = [
    join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', relativePath),
    join('/work/shared/fixtures', relativePath)
  ]
  const found = candidates.find((path) => existsSync(path))
  if (found === undefined) throw new Error(`fixture ${relativePath} not found in ${candidates.join(' or ')}`)
  return found
}
