import { existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, resolve as resolvePath } from 'node:path'
import pino, { type Logger } from 'pino'
import { buildAdminApp } from './admin/app.js'
import type { CompiledApi } from './gateway/compiled-api.js'
import { writeGatewayError } from './gateway/error-writer.js'
import { addEdgeListeners } from './gateway/edge-listeners.js'
import { Gateway } from './gateway/gateway.js'
import { drainServer } from './gateway/drain-server.js'
import { UpstreamProxy } from './gateway/proxy.js'
import { ApiRouter } from './gateway/router.js'
import type { Config } from './model/config.js'
import { PolicyRegistry } from './policies/policy-registry.js'
import { PolicyService } from './policies/policy-service.js'
import { PolicyEngine } from './policies/policy-engine.js'
import { OrgDefaultPolicies } from './sessions/org-default-policies.js'
import { ApiService } from './apis/api-service.js'
import type { ApiDefinition } from './model/api-definition.js'
import { KeyNaming } from './sessions/key-naming.js'
import { KeyService } from './sessions/key-service.js'
import { KeySearch } from './sessions/key-search.js'
import { KeyExplainer } from './sessions/key-explainer.js'
import { PolicyPreview } from './policies/policy-preview.js'
import { OrgService } from './sessions/org-service.js'
import { OrgSessions } from './sessions/org-sessions.js'
import { SessionResolver } from './sessions/session-resolver.js'
import { LocalBus } from './store/memory/local-bus.js'
import { ApiFolder } from './store/files/api-folder.js'
import { PolicyFolder } from './store/files/policy-folder.js'
import { PolicyTable } from './store/sqlite/policy-table.js'
import { LocalCounters } from './store/sqlite/local-counters.js'
import { SqliteStore } from './store/sqlite/sqlite-store.js'
import { SqliteAnalytics } from './store/sqlite/sqlite-analytics.js'
import { AnalyticsQueue } from './analytics/analytics-queue.js'
import { GatehouseStartError } from './start-error.js'
import { loadLiveSet } from './load-live-set.js'
import type { ReloadOutcome } from './admin/system.js'

export const VERSION = 'v0.1.0'

/** Tyk's published sample secret: anyone can read it, so it is as good as none. */
export const SAMPLE_SECRET = '352d20ee67be67f6340b4c0605b044b7'

export interface StartOptions {
  /** A development run: allows an empty or sample secret. */
  readonly dev?: boolean
  readonly logger?: Logger
  readonly clock?: () => number
  /** The random id part of generated keys (tests force hash collisions with it); the CSPRNG by default. */
  readonly randomKeyId?: () => string
  /** Problems found in the config (src/cli/config-warnings.ts), logged once the logger exists. */
  readonly warnings?: readonly string[]
}

export interface RunningGatehouse {
  readonly url: string
  readonly port: number
  readonly store: SqliteStore
  /**
   * Re-reads APIs and policies; resolves once the new set is live, with what was left out, or
   * with why nothing changed (the previous set stays live). Never rejects.
   */
  reload: () => Promise<ReloadOutcome>
  /**
   * Drains, then stops: new connections are refused at once, requests in flight get
   * graceful_shutdown_timeout_duration seconds, analytics are flushed. `reason` (the signal)
   * goes to the log. Quick when nothing is in flight.
   */
  close: (reason?: string) => Promise<void>
}

/** Builds every part from the config by hand and starts the one listener. */
export async function startGatehouse (config: Config, options: StartOptions = {}): Promise<RunningGatehouse> {
  assertSafeSecret(config.secret, options.dev === true)
  if (config.storage.type !== 'embedded') {
    throw new GatehouseStartError(`storage.type "${config.storage.type}" is not supported yet: use "embedded" (SQLite under storage.path), e.g. TYK_GW_STORAGE_TYPE=embedded`)
  }
  const logger = options.logger ?? pino({ name: 'gatehouse', level: config.log_level })
  for (const warning of options.warnings ?? []) logger.warn(warning)
  logger.debug({ logLevel: config.log_level, appPath: config.app_path, policySource: config.policies.policy_source, storagePath: config.storage.path, gracefulShutdownTimeoutSeconds: shutdownGraceSeconds(config) }, 'configuration loaded')
  const clock = options.clock ?? Date.now
  const store = openStore(config.storage.path, (message) => { logger.warn({ message }, 'store housekeeping failed') })
  const bus = new LocalBus()
  const counters = new LocalCounters(store.db, clock)
  const analyticsWriter = store.analyticsWriter
  if (analyticsWriter === undefined) throw new GatehouseStartError('the embedded store needs a database file (storage.path), not an in-memory database')
  const analyticsSink = new SqliteAnalytics(store.db, analyticsWriter)
  const analytics = config.enable_analytics
    ? new AnalyticsQueue({ sink: analyticsSink, onError: (err) => { logger.error({ err }, 'analytics batch lost') } })
    : undefined
  const naming = new KeyNaming({ hashKeys: config.hash_keys, hashKeyFunction: config.hash_key_function, randomKeyId: options.randomKeyId })
  const policies = new PolicyRegistry()
  const apis = new Map<string, CompiledApi>()
  const definitions = new Map<string, ApiDefinition>()
  let apiFiles: ReadonlyMap<string, string> = new Map()
  const policyPath = config.policies.policy_path
  const policyWrites = policyPath !== '' ? new PolicyFolder(policyPath) : new PolicyTable(store)
  const policyService = new PolicyService({ registry: policies, writes: policyWrites, bus, sourceIsService: config.policies.policy_source === 'service' })
  const orgDefaults = new OrgDefaultPolicies()
  await orgDefaults.load(store)
  const orgs = new OrgService({ store, bus, clock, counters, defaults: orgDefaults, anyApiLoaded: () => apis.size > 0 })
  const apiService = new ApiService({ folder: new ApiFolder(config.app_path, (apiId) => apiFiles.get(apiId)), loaded: () => definitions })
  const engine = new PolicyEngine({ registry: policies, orgDefaults: (orgId) => orgDefaults.of(orgId) })
  const lookupPolicy = engine.lookup
  const applyPolicies = engine.apply

  const keySearch = new KeySearch({
    store,
    applyPolicies,
    policies: () => policies.all(),
    orgDefaults: () => orgDefaults.all(),
    apiOrgOf: (apiId) => apis.get(apiId)?.orgId,
    allowMasterKeys: config.allow_master_keys
  })
  const keys = new KeyService({
    store,
    bus,
    counters,
    naming,
    clock,
    allowMasterKeys: config.allow_master_keys,
    minTokenLength: config.min_token_length,
    enableHashedKeysListing: config.enable_hashed_keys_listing,
    applyPolicies,
    policyLookup: lookupPolicy,
    apiOrgOf: (apiId) => apis.get(apiId)?.orgId,
    callersOf: (apiId) => keySearch.callers(apiId)
  })
  const keyExplainer = new KeyExplainer({
    keys,
    engine,
    writtenPolicy: (orgId, id) => policies.lookup(orgId, id),
    api: (apiId) => apis.get(apiId),
    counters,
    orgSession: async (orgId) => await store.getOrgSession(orgId),
    enforceOrgQuotas: config.enforce_org_quotas,
    allowMasterKeys: config.allow_master_keys,
    clock
  })
  const policyPreview = new PolicyPreview({ engine, store, walk: (indexes) => keySearch.walk(indexes), orgDefaults: () => orgDefaults.all() })
  const resolver = new SessionResolver({ store, naming, bus, applyPolicies, clock, maxBytes: config.session_cache_bytes, maxUnknownTokens: config.unknown_token_cache_entries })
  const proxy = new UpstreamProxy({ timeoutMs: proxyTimeoutMs(config.proxy_default_timeout), connectionsPerOrigin: 128, userAgent: `Gatehouse/${VERSION}` })
  // one cache of org sessions serves org limits and org data age alike
  const orgSessions = config.enforce_org_quotas || config.enforce_org_data_age ? new OrgSessions(store, bus) : undefined
  const gateway = new Gateway(new ApiRouter([]), {
    resolver,
    proxy,
    clock,
    minTokenLength: config.min_token_length,
    counters,
    analytics,
    orgSessions: config.enforce_org_quotas ? orgSessions : undefined,
    orgDataAge: config.enforce_org_data_age ? orgSessions : undefined,
    xffDepth: config.http_server_options.xff_depth,
    allowMasterKeys: config.allow_master_keys
  })

  // One reload at a time, in turn. Each link resolves, whatever happens inside, so a failed
  // reload never wedges the ones after it.
  let reloading: Promise<ReloadOutcome> = Promise.resolve({ failed: undefined, skipped: [] })
  let firstLoad = true
  const reload = (): Promise<ReloadOutcome> => {
    reloading = reloading.then(async () => {
      const outcome = await reloadOnce(firstLoad)
      firstLoad = false
      return outcome
    })
    return reloading
  }
  const reloadOnce = async (first: boolean): Promise<ReloadOutcome> => {
    try {
      const set = await loadLiveSet({ appPath: config.app_path, policies: { policyRecordName: config.policies.policy_record_name, policyPath }, policyWrites, loadedAtMs: clock(), firstLoad: first }, logger)
      const router = new ApiRouter(set.compiled)
      // Tyk finds out per request (404, or 500 on a fallback); the operator hears it at load
      for (const line of router.unresolvedVersions) logger.warn(line)
      policies.replaceAll(set.policies)
      apis.clear()
      definitions.clear()
      for (const api of set.compiled) apis.set(api.apiId, api)
      for (const definition of set.definitions) definitions.set(definition.api_id, definition)
      apiFiles = set.files
      engine.setApis(set.definitions.map((definition) => ({ apiId: definition.api_id, apiName: definition.name, orgId: definition.org_id, versions: Object.keys(definition.version_data.versions) })))
      gateway.replaceRouter(router)
      await bus.publish({ kind: 'reload' })
      // each left-out file, entry or API has had its own warning: none is repeated here
      logger.info({ apis: set.compiled.length, policies: set.policies.length, leftOut: set.skipped.length }, 'APIs and policies loaded')
      return { failed: undefined, skipped: set.skipped }
    } catch (err) {
      const message = (err as Error).message
      // at start the failure stops the start, and the CLI prints it as one line
      if (!first) logger.error({ err }, `reload failed, the previous APIs and policies stay live: ${message}`)
      return { failed: message, skipped: [] }
    }
  }
  const first = await reload()
  if (first.failed !== undefined) {
    await store.close()
    throw new GatehouseStartError(first.failed)
  }

  const admin = await buildAdminApp({
    secret: config.secret,
    keys,
    keySearch: { search: keySearch, listingAllowed: !config.hash_keys || config.enable_hashed_keys_listing },
    keyExplainer,
    policyPreview,
    policies: policyService,
    orgs,
    apis: apiService,
    analytics: { summarize: (query) => analyticsSink.summarize(query), records: (query) => analyticsSink.records(query), flush: async () => { await analytics?.flush() } },
    clock,
    logger,
    version: VERSION,
    healthCheckName: config.health_check_endpoint_name,
    readinessCheckName: config.readiness_check_endpoint_name,
    reload,
    reloadGroup: reload,
    checkStore: async () => {
      try {
        store.db.prepare('SELECT 1').get()
        return undefined
      } catch (err) {
        return (err as Error).message
      }
    }
  })
  const adminPaths = new Set([`/${config.health_check_endpoint_name}`, `/${config.readiness_check_endpoint_name}`])
  const server = createServer({ keepAliveTimeout: 65_000 }, (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/'
    if (url.startsWith('/tyk/') || url === '/tyk' || url.startsWith('/tyk?') || isAdminPath(adminPaths, url)) {
      admin.handle(req, res)
      return
    }
    try {
      gateway.handle(req, res)
    } catch (err) {
      // a bug must cost one request, never the process and every connection on it
      // the path only: a query string may carry a key (use_param)
      logger.error({ err, path: (req.url ?? '').split('?')[0] }, 'gateway request failed')
      if (!res.headersSent) writeGatewayError(res, 'INTERNAL')
      else res.destroy()
    }
  })
  addEdgeListeners(server)
  await listen(server, config.listen_port, config.listen_address)
  const { port } = server.address() as AddressInfo
  const host = config.listen_address === '' || config.listen_address === '0.0.0.0' ? '127.0.0.1' : config.listen_address
  logger.info({ port, storage: config.storage.path }, 'gatehouse listening')
  let closing: Promise<void> | undefined
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    store,
    reload,
    // Idempotent: a second call waits for the first instead of closing twice.
    close: (reason = 'close') => {
      closing ??= (async () => {
        const startedMs = performance.now()
        const timeoutSeconds = shutdownGraceSeconds(config)
        logger.info({ reason, timeoutSeconds }, `shutting down: new connections refused, requests in flight have ${timeoutSeconds} s to finish`)
        const { cutRequests } = await drainServer(server, timeoutSeconds * 1000)
        if (cutRequests > 0) logger.warn({ cutRequests }, `shutdown timeout reached: ${cutRequests} requests in flight cut`)
        await proxy.close()
        await admin.app.close()
        await analytics?.close()
        await counters.close()
        await store.close()
        logger.info({ durationMs: Math.round(performance.now() - startedMs), cutRequests }, 'shutdown complete')
      })()
      return closing
    }
  }
}

function assertSafeSecret (secret: string, dev: boolean): void {
  if (dev) return
  if (secret === '') throw new GatehouseStartError('secret is empty: anyone could use the management API. Set "secret" in tyk.conf or TYK_GW_SECRET (or start with --dev)')
  if (secret === SAMPLE_SECRET) throw new GatehouseStartError('secret is Tyk\'s published sample secret: anyone could use the management API. Set your own "secret" in tyk.conf or TYK_GW_SECRET (or start with --dev)')
}

/** Tyk's graceful_shutdown_timeout_duration: seconds, with 0 meaning 30 (gateway/server.go, Start). */
function shutdownGraceSeconds (config: Config): number {
  return config.graceful_shutdown_timeout_duration > 0 ? config.graceful_shutdown_timeout_duration : 30
}

/** Tyk's proxy_default_timeout: seconds, with 0 (unset) meaning 30. */
function proxyTimeoutMs (seconds: number): number {
  return (seconds > 0 ? seconds : 30) * 1000
}

/**
 * The data folder is made if missing, its parent never: a parent that is not there is most
 * likely a typo in storage.path, and a whole new tree would hide it.
 */
function openStore (path: string, onHousekeepingError: (message: string) => void): SqliteStore {
  const folder = resolvePath(path)
  if (!existsSync(folder) && !existsSync(dirname(folder))) {
    throw new GatehouseStartError(`storage.path ${path}: its parent folder ${dirname(folder)} does not exist`)
  }
  if (existsSync(folder) && !statSync(folder).isDirectory()) throw new GatehouseStartError(`storage.path ${path}: it is a file, not a folder`)
  try {
    return new SqliteStore({ path, onHousekeepingError })
  } catch (err) {
    throw new GatehouseStartError(`storage.path ${path}: cannot open the database: ${(err as Error).message}`, { cause: err })
  }
}

/** One line for the operator, naming the tyk.conf fields to change. */
function listenProblem (err: NodeJS.ErrnoException, port: number, host: string): string {
  const where = `port ${port} on ${host === '' ? 'every address' : host}`
  if (err.code === 'EADDRINUSE') return `${where} is already in use (listen_port, listen_address)`
  if (err.code === 'EACCES') return `${where}: permission denied (ports below 1024 need privileges; listen_port)`
  if (err.code === 'EADDRNOTAVAIL') return `listen_address ${host} is not an address of this machine`
  return `${where}: cannot listen: ${err.message}`
}

function listen (server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      reject(new GatehouseStartError(listenProblem(err, port, host), { cause: err }))
    }
    server.once('error', fail)
    server.listen(port, host === '' ? undefined : host, () => {
      server.off('error', fail)
      resolve()
    })
  })
}

/** /hello, /ready and the like, with or without a query: no array made per gateway request. */
function isAdminPath (paths: ReadonlySet<string>, url: string): boolean {
  const queryAt = url.indexOf('?')
  return paths.has(queryAt === -1 ? url : url.slice(0, queryAt))
}
