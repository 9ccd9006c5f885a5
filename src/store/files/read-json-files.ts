import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { jsonErrorPosition } from '../../core/json-error-position.js'

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
 * be read or parsed is skipped with one warning (`what` names its kind, the JSON fault its
 * line and column) and never takes the others down. Errors reading the folder itself are the
 * caller's to handle.
 */
export async function readJsonFiles (folder: string, what: string, log: WarnLog): Promise<JsonFiles> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort()
  const files: Array<{ file: string, value: unknown }> = []
  const skipped: string[] = []
  for (const name of names) {
    const file = join(folder, name)
    let text = ''
    try {
      text = await readFile(file, 'utf8')
      files.push({ file, value: JSON.parse(text) })
    } catch (err) {
      const position = err instanceof SyntaxError ? jsonErrorPosition(text, err) : undefined
      const problem = `${what} ${file} skipped: ${(err as Error).message}${position === undefined ? '' : ` (${position})`}`
      log.warn({ file }, problem)
      skipped.push(problem)
    }
  }
  return { files, skipped }
}
