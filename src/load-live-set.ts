import { loadApiDefinitions } from './apis/load-api-definitions.js'
import { compileApi, type CompiledApi } from './gateway/compiled-api.js'
import type { ApiDefinition } from './model/api-definition.js'
import type { Policy } from './model/policy.js'
import { loadPolicyFiles, PolicySourceError, type PolicySource } from './policies/load-policy-files.js'
import type { PolicyWrites } from './store/ports.js'

export interface LiveSetLog {
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export interface LiveSetSource {
  readonly appPath: string
  readonly policies: PolicySource
  readonly policyWrites: PolicyWrites
  readonly loadedAtMs: number
  /**
   * At start, a missing policies file or app_path, or a policies file that is not valid JSON,
   * costs what it would hold only, as in Tyk (gateway/server.go syncPolicies logs and keeps what
   * it had, none at start); one that is there but cannot be read stops the start (issue 15 point
   * 20: an operator fixes a path or a permission rather than run without every policy). On a
   * reload either fails the whole reload, so APIs and the policies they name stay in step.
   */
  readonly firstLoad: boolean
}

/** Everything a reload makes live at once. */
export interface LiveSet {
  readonly policies: readonly Policy[]
  readonly definitions: readonly ApiDefinition[]
  readonly compiled: readonly CompiledApi[]
  /** api_id -> the file it was loaded from */
  readonly files: ReadonlyMap<string, string>
  /** one line per file, entry or API left out, naming it and why (each also logged) */
  readonly skipped: readonly string[]
}

/** A reload that cannot build a new set at all: the previous one must stay live. */
export class LiveSetError extends Error {}

/** A source that is there and cannot be read (not missing, not merely bad JSON). */
function isUnreadable (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && code !== 'ENOENT'
}

/**
 * Reads policies and API definitions and compiles the APIs, without touching what is live. A
 * bad file, entry or API is left out and named in `skipped`; a source that cannot be read at
 * all throws LiveSetError, so the caller keeps the previous set.
 */
export async function loadLiveSet (source: LiveSetSource, log: LiveSetLog): Promise<LiveSet> {
  const skipped: string[] = []
  const policies = await loadPolicies(source, log, skipped)
  let loaded: Awaited<ReturnType<typeof loadApiDefinitions>>
  try {
    loaded = await loadApiDefinitions(source.appPath, log)
  } catch (err) {
    const message = `API definitions: cannot read app_path ${source.appPath}: ${(err as Error).message}`
    if (!source.firstLoad || isUnreadable(err)) throw new LiveSetError(message, { cause: err })
    // Tyk starts without APIs when it cannot list its app path (gateway/api_definition.go, FromDir)
    log.error({ err }, `${message}: starting with no APIs`)
    skipped.push(message)
    loaded = { apis: [], skipped: [] }
  }
  skipped.push(...loaded.skipped)
  const definitions: ApiDefinition[] = []
  const compiled: CompiledApi[] = []
  const files = new Map<string, string>()
  for (const { file, definition } of loaded.apis) {
    try {
      compiled.push(compileApi(definition, source.loadedAtMs))
      definitions.push(definition)
      files.set(definition.api_id, file)
    } catch (err) {
      // whatever a definition holds, it costs that API only, never the process or the reload
      const line = `API ${definition.api_id} (${file}) skipped: it cannot be compiled: ${(err as Error).message}`
      log.warn({ file, apiId: definition.api_id, err }, line)
      skipped.push(line)
    }
  }
  return { policies, definitions, compiled, files, skipped }
}

async function loadPolicies (source: LiveSetSource, log: LiveSetLog, skipped: string[]): Promise<Policy[]> {
  let fromFiles: Policy[] = []
  try {
    const loaded = await loadPolicyFiles(source.policies, log)
    fromFiles = loaded.policies
    skipped.push(...loaded.skipped)
  } catch (err) {
    if (!(err instanceof PolicySourceError)) throw err
    if (!source.firstLoad || isUnreadable(err.cause)) throw new LiveSetError(err.message, { cause: err })
    log.error({ err }, `${err.message}: starting with no policies from it`)
    skipped.push(err.message)
  }
  const written = await source.policyWrites.list()
  warnShadowed(fromFiles, written, source.policies.policyRecordName, log)
  return [...fromFiles, ...written]
}

/** A policy written through the API wins over a file entry with its id: say so, once per load. */
function warnShadowed (fromFiles: readonly Policy[], written: readonly Policy[], file: string, log: LiveSetLog): void {
  if (written.length === 0 || fromFiles.length === 0) return
  const fileOrgs = new Map(fromFiles.map((policy) => [policy.id, policy.org_id]))
  for (const policy of written) {
    const fileOrg = fileOrgs.get(policy.id)
    if (fileOrg === undefined) continue
    const outcome = fileOrg === policy.org_id ? 'the written one is served' : `both load, each for its org (${fileOrg}, ${policy.org_id}); GET /tyk/policies/${policy.id} shows the written one`
    log.warn({ policyId: policy.id, file }, `policy ${policy.id} written through /tyk/policies (kept in the embedded store) shadows policy ${policy.id} of ${file}: ${outcome}`)
  }
}
