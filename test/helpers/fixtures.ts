import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** A file under test/fixtures, e.g. 'tyk/apps/app_sample.json' (Tyk's own sample files, unchanged: see its README). */
export function tykFixture (relativePath: string): string {
  const path = join(import.meta.dirname, '..', 'fixtures', relativePath)
  if (!existsSync(path)) throw new Error(`fixture ${relativePath} not found at ${path}`)
  return path
}
