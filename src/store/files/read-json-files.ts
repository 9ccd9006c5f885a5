import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseJson } from '../../core/parse-json.js'

export interface WarnLog {
  warn: (obj: object, msg: string) => void
}

/**
 * Every `*.json` file directly inside `folder`, parsed, in file-name order. A file that cannot
 * be read or parsed (or nests deeper than parseJson allows) is skipped with one warning (`what`
 * names its kind) and never takes the others down. Errors reading the folder itself are the caller's to handle.
 */
export async function readJsonFiles (folder: string, what: string, log: WarnLog): Promise<Array<{ readonly file: string, readonly value: unknown }>> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort()
  const files: Array<{ file: string, value: unknown }> = []
  for (const name of names) {
    const file = join(folder, name)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      log.warn({ file }, `${what} ${file} skipped: ${(err as Error).message}`)
      continue
    }
    const parsed = parseJson(text)
    if (parsed.ok) files.push({ file, value: parsed.value })
    else log.warn({ file }, `${what} ${file} skipped: ${parsed.problem}`)
  }
  return files
}
