import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface WarnLog {
  warn: (obj: object, msg: string) => void
}

/**
 * Every `*.json` file directly inside `folder`, parsed, in file-name order. A file that cannot
 * be read or parsed is skipped with one warning (`what` names its kind) and never takes the
 * others down. Errors reading the folder itself are the caller's to handle.
 */
export async function readJsonFiles (folder: string, what: string, log: WarnLog): Promise<Array<{ readonly file: string, readonly value: unknown }>> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort()
  const files: Array<{ file: string, value: unknown }> = []
  for (const name of names) {
    const file = join(folder, name)
    try {
      files.push({ file, value: JSON.parse(await readFile(file, 'utf8')) })
    } catch (err) {
      log.warn({ file }, `${what} ${file} skipped: ${(err as Error).message}`)
    }
  }
  return files
}
