import { existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, resolve as resolvePath } from 'node:path'
import pino, { type Logger } from 'pino'
import { buildAdminApp } from './admin/app.js'
import { loadApiDefinitions } from './apis/load-api-definitions.js'
import { compileApi, type CompiledApi } from './gateway/compiled-api.js'
import { writeGatewayError } from './gateway/error-writer.js'
import { Gateway } from './gateway/gateway.js'
import { drainServer } from './gateway/drain-server.js'
import { UpstreamProxy } from './gateway/proxy.js'
import { ApiRouter } from './gateway/router.js'
import type { Config } from './model/config.js'
import { loadPolicyFiles } from './policies/load-policy-files.js'
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

export const VERSION = 'v0.1.0'

/** Tyk's published sample secret: anyone can read it, so it is as good as none. */
export const SAMPLE_SECRET = '352d20ee67be67f6340b4c0605b044b7'

export interface StartOptions {
  /** A development run: allows an empty or sample secret. */
  readonly dev?: boolean
  readonly logger?: Logger
  readonly clock?: () => number
  /** Problems found in the config (src/cli/config-warnings.ts), logged once the logger exists. */
  readonly warnings?: readonly string[]
}

export interface RunningGatehouse {
  readonly url: string
  readonly port: number
  readonly store: SqliteStore
  /** Re-reads APIs and policies; resolves once the new set is live. */
  reload: () => Promise<void>
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
  const naming = new KeyNaming({ hashKeys: config.hash_keys, hashKeyFunction: config.hash_key_function })
  const policies = new PolicyRegistry()
  const apis = new Map<string, CompiledApi>()
  const definitions = new Map<string, ApiDefinition>()
  const policyPath = config.policies.policy_path
  const policyWrites = policyPath !== '' ? new PolicyFolder(policyPath) : new PolicyTable(store)
  const policyService = new PolicyService({ registry: policies, writes: policyWrites, bus, sourceIsService: config.policies.policy_source === 'service' })
  const orgDefaults = new OrgDefaultPolicies()
  await orgDefaults.load(store)
  const orgs = new OrgService({ store, bus, clock, counters, defaults: orgDefaults, anyApiLoaded: () => apis.size > 0 })
  const apiService = new ApiService({ folder: new ApiFolder(config.app_path), loaded: () => definitions })
  const engine = new PolicyEngine({ registry: policies, orgDefaults: (orgId) => orgDefaults.of(orgId) })
  const lookupPolicy = engine.lookup
  const applyPolicies = engine.apply

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
    apiOrgOf: (apiId) => apis.get(apiId)?.orgId
  })
  const keySearch = new KeySearch({
    store,
    applyPolicies,
    policies: () => policies.all(),
    orgDefaults: () => orgDefaults.all(),
    apiOrgOf: (apiId) => apis.get(apiId)?.orgId,
    allowMasterKeys: config.allow_master_keys
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
  const resolver = new SessionResolver({ store, naming, bus, applyPolicies })
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

  // One reload at a time; callers that arrive meanwhile share the next one.
  let started = false
  let reloading: Promise<void> = Promise.resolve()
  const reload = (): Promise<void> => {
    reloading = reloading.then(async () => {
      try {
        const fromFiles = await loadPolicyFiles({ policyRecordName: config.policies.policy_record_name, policyPath }, logger)
        policies.replaceAll([...fromFiles, ...await policyWrites.list()])
      } catch (err) {
        // At start a policy source that is there but unusable stops us: every key that uses a
        // policy would be refused. A missing one starts with none, as Tyk does (gateway/policy.go).
        if (!started && (err as Error).cause !== undefined && ((err as Error).cause as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new GatehouseStartError((err as Error).message, { cause: err })
        }
        logger.error({ err }, 'policies not reloaded: keeping the previous set')
      }
      let loaded: ApiDefinition[]
      try {
        loaded = await loadApiDefinitions(config.app_path, logger)
      } catch (err) {
        const message = `app_path ${config.app_path}: cannot read the folder: ${(err as Error).message}`
        if (!started) throw new GatehouseStartError(message, { cause: err })
        logger.error({ err }, `APIs not reloaded, keeping the previous set: ${message}`)
        return
      }
      const loadedAtMs = clock()
      const compiled = loaded.map((definition) => compileApi(definition, loadedAtMs))
      apis.clear()
      definitions.clear()
      for (const api of compiled) apis.set(api.apiId, api)
      for (const definition of loaded) definitions.set(definition.api_id, definition)
      engine.setApis(loaded.map((definition) => ({ apiId: definition.api_id, apiName: definition.name, orgId: definition.org_id, versions: Object.keys(definition.version_data.versions) })))
      gateway.replaceRouter(new ApiRouter(compiled))
      await bus.publish({ kind: 'reload' })
      logger.info({ apis: compiled.length, policies: policies.all().length }, 'APIs and policies loaded')
    })
    return reloading
  }
  await reload()
  started = true

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
