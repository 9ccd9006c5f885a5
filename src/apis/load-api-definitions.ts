import { deduplicateListenPaths } from '../core/listen-paths.js'
import { parseApiDefinition } from '../core/parse-api-definition.js'
import { unsupportedFeatures } from '../core/unsupported-features.js'
import { upstreamUrlsOf } from '../core/upstream-urls.js'
import type { ApiDefinition } from '../model/api-definition.js'
import { readJsonFiles, type JsonFiles, type WarnLog } from '../store/files/read-json-files.js'

export interface LoadedApiDefinitions {
  /** the definitions to serve, each with the file it came from */
  readonly apis: ReadonlyArray<{ readonly file: string, readonly definition: ApiDefinition }>
  /** one line per file skipped, naming it and why (also logged) */
  readonly skipped: readonly string[]
}

/**
 * Every `*.json` directly inside `appPath`, in file-name order. A bad file, or one that turns on
 * a security feature Gatehouse lacks, is skipped with one warning naming it and never takes the
 * others down; a missing folder is no APIs. Any other error reading the folder is thrown.
 */
export async function loadApiDefinitions (appPath: string, log: WarnLog): Promise<LoadedApiDefinitions> {
  let read: JsonFiles
  try {
    read = await readJsonFiles(appPath, 'API definition', log)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      log.warn({ appPath }, `app_path ${appPath} does not exist: no APIs loaded`)
      return { apis: [], skipped: [] }
    }
    throw err
  }
  const skipped = [...read.skipped]
  const skip = (file: string, problem: string): void => {
    const line = `API definition ${file} skipped: ${problem}`
    log.warn({ file }, line)
    skipped.push(line)
  }
  const apis: Array<{ file: string, definition: ApiDefinition }> = []
  const ids = new Set<string>()
  for (const { file, value } of read.files) {
    let parsed: ReturnType<typeof parseApiDefinition>
    try {
      parsed = parseApiDefinition(value)
    } catch (err) {
      skip(file, `cannot be read as an API definition: ${(err as Error).message}`)
      continue
    }
    if (!parsed.ok) {
      skip(file, parsed.problem)
      continue
    }
    const api = parsed.api
    const problem = checkUsable(api, ids)
    if (problem !== undefined) {
      skip(file, problem)
      continue
    }
    const { refuse, ignored } = unsupportedFeatures(api)
    if (refuse.length > 0) {
      skip(file, `API ${api.api_id} turns on ${refuse.join(', ')}, which Gatehouse does not implement; it is not served rather than served without ${refuse.length === 1 ? 'it' : 'them'}`)
      continue
    }
    if (ignored.length > 0) {
      log.warn({ file, apiId: api.api_id, ignored }, `API ${api.api_id} (${file}) is served without these configured features, which Gatehouse does not implement: ${ignored.join(', ')}`)
    }
    ids.add(api.api_id)
    apis.push({ file, definition: api })
  }
  const paths = deduplicateListenPaths(apis.map(({ definition }) => ({ apiId: definition.api_id, listenPath: definition.proxy.listen_path })))
  return {
    skipped,
    apis: apis.map(({ file, definition }, i) => {
      const listenPath = paths[i] ?? definition.proxy.listen_path
      if (listenPath === definition.proxy.listen_path) return { file, definition }
      log.warn({ apiId: definition.api_id }, `API ${definition.api_id}: listen path ${definition.proxy.listen_path} is taken, serving it at ${listenPath}`)
      return { file, definition: { ...definition, proxy: { ...definition.proxy, listen_path: listenPath } } }
    })
  }
}

function checkUsable (api: ApiDefinition, ids: ReadonlySet<string>): string | undefined {
  if (api.api_id === '') return 'it has no api_id'
  if (ids.has(api.api_id)) return `api_id ${api.api_id} is already loaded from another file`
  const field = api.proxy.enable_load_balancing && api.proxy.target_list.length > 0 ? 'proxy.target_list' : 'proxy.target_url'
  for (const target of upstreamUrlsOf(api)) {
    try {
      const url = new URL(target)
      if (!['http:', 'https:', 'ws:', 'wss:', 'h2c:'].includes(url.protocol)) return `${field} ${target} is not http(s)`
    } catch {
      return `${field} ${target} is not a URL`
    }
  }
  return undefined
}
