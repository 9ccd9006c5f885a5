import { deduplicateListenPaths } from '../core/listen-paths.js'
import { parseApiDefinition } from '../core/parse-api-definition.js'
import { upstreamUrlsOf } from '../core/upstream-urls.js'
import type { ApiDefinition } from '../model/api-definition.js'
import { readJsonFiles, type WarnLog } from '../store/files/read-json-files.js'

/**
 * Every `*.json` directly inside `appPath`, in file-name order. A bad file is skipped with one
 * warning naming it and never takes the others down; a missing folder is no APIs.
 */
export async function loadApiDefinitions (appPath: string, log: WarnLog): Promise<ApiDefinition[]> {
  let files: Awaited<ReturnType<typeof readJsonFiles>>
  try {
    files = await readJsonFiles(appPath, 'API definition', log)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      log.warn({ appPath }, `app_path ${appPath} does not exist: no APIs loaded`)
      return []
    }
    throw err
  }
  const apis: ApiDefinition[] = []
  const ids = new Set<string>()
  for (const { file, value } of files) {
    const parsed = parseApiDefinition(value)
    if (!parsed.ok) {
      log.warn({ file }, `API definition ${file} skipped: ${parsed.problem}`)
      continue
    }
    const problem = checkUsable(parsed.api, ids)
    if (problem !== undefined) {
      log.warn({ file }, `API definition ${file} skipped: ${problem}`)
      continue
    }
    ids.add(parsed.api.api_id)
    apis.push(parsed.api)
  }
  const paths = deduplicateListenPaths(apis.map((api) => ({ apiId: api.api_id, listenPath: api.proxy.listen_path })))
  return apis.map((api, i) => {
    const listenPath = paths[i] ?? api.proxy.listen_path
    if (listenPath === api.proxy.listen_path) return api
    log.warn({ apiId: api.api_id }, `API ${api.api_id}: listen path ${api.proxy.listen_path} is taken, serving it at ${listenPath}`)
    return { ...api, proxy: { ...api.proxy, listen_path: listenPath } }
  })
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
