import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseJson } from '../../core/parse-json.js'

export interface WarnLog {
  warn: (obj: object, msg: string) => void
}

export interface JsonFiles {
  readonly files: ReadonlyArray<{ readonly file: string, readonly value: unknown }>
  /** one line per file skipped, naming it and why */
  readonly skipped: readonly string[]
}

/**
 * Every `*.json` file directly inside `folder`, parsed, in file-name order. A file that cannot
 * be read or parsed (or nests deeper than parseJson allows) is skipped with one warning (`what`
 * names its kind, a JSON fault its line and column) and never takes the others down. Errors
 * reading the folder itself are the caller's to handle.
 */
export async function readJsonFiles (folder: string, what: string, log: WarnLog): Promise<JsonFiles> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort()
  const files: Array<{ file: string, value: unknown }> = []
  const skipped: string[] = []
  const skip = (file: string, problem: string): void => {
    log.warn({ file }, problem)
    skipped.push(problem)
  }
  for (const name of names) {
    const file = join(folder, name)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      skip(file, `${what} ${file} skipped: ${(err as Error).message}`)
      continue
    }
    const parsed = parseJson(text)
    if (parsed.ok) {
      files.push({ file, value: parsed.value })
    } else {
      skip(file, `${what} ${file} skipped: ${parsed.syntaxError ?? parsed.problem}${parsed.position === undefined ? '' : ` (${parsed.position})`}`)
    }
  }
  return { files, skipped }
}
