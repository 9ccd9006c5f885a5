import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino, { type Logger } from 'pino'
import { buildAdminApp } from './admin/app.js'
import type { Config } from './model/config.js'
import { KeyNaming } from './sessions/key-naming.js'
import { KeyService } from './sessions/key-service.js'
import { SqliteStore } from './store/sqlite/sqlite-store.js'
import { GatehouseStartError } from './start-error.js'

export const VERSION = 'v0.1.0'

/** Tyk's published sample secret: anyone can read it, so it is as good as none. */
export const SAMPLE_SECRET = '352d20ee67be67f6340b4c0605b044b7'

export interface StartOptions {
  /** A development run: allows an empty or sample secret. */
  readonly dev?: boolean
  readonly logger?: Logger
  readonly clock?: () => number
}

export interface RunningGatehouse {
  readonly url: string
  readonly port: number
  readonly store: SqliteStore
  close: () => Promise<void>
}

/** Builds every part from the config by hand and starts the one listener. */
export async function startGatehouse (config: Config, options: StartOptions = {}): Promise<RunningGatehouse> {
  assertSafeSecret(config.secret, options.dev === true)
  if (config.storage.type !== 'embedded') {
    throw new GatehouseStartError(`storage.type "${config.storage.type}" is not supported yet: use "embedded" (SQLite under storage.path), e.g. TYK_GW_STORAGE_TYPE=embedded`)
  }
  const logger = options.logger ?? pino({ name: 'gatehouse' })
  const clock = options.clock ?? Date.now
  const store = new SqliteStore({ path: config.storage.path })
  const naming = new KeyNaming({ hashKeys: config.hash_keys, hashKeyFunction: config.hash_key_function })
  const keys = new KeyService({
    store,
    naming,
    clock,
    allowMasterKeys: config.allow_master_keys,
    minTokenLength: config.min_token_length,
    enableHashedKeysListing: config.enable_hashed_keys_listing,
    applyPolicies: (session) => session
  })
  const admin = await buildAdminApp({
    secret: config.secret,
    keys,
    logger,
    version: VERSION,
    healthCheckName: config.health_check_endpoint_name,
    readinessCheckName: config.readiness_check_endpoint_name,
    reload: async () => {},
    reloadGroup: async () => {},
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
    if (url.startsWith('/tyk/') || url === '/tyk' || url.startsWith('/tyk?') || adminPaths.has(url.split('?', 1)[0] ?? '')) {
      admin.handle(req, res)
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":"Not found"}\n')
  })
  await listen(server, config.listen_port, config.listen_address)
  const { port } = server.address() as AddressInfo
  const host = config.listen_address === '' || config.listen_address === '0.0.0.0' ? '127.0.0.1' : config.listen_address
  logger.info({ port, storage: config.storage.path }, 'gatehouse listening')
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    store,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
      server.closeAllConnections()
      await admin.app.close()
      await store.close()
    }
  }
}

function assertSafeSecret (secret: string, dev: boolean): void {
  if (dev) return
  if (secret === '') throw new GatehouseStartError('secret is empty: anyone could use the management API. Set "secret" in tyk.conf or TYK_GW_SECRET (or start with --dev)')
  if (secret === SAMPLE_SECRET) throw new GatehouseStartError('secret is Tyk\'s published sample secret: anyone could use the management API. Set your own "secret" in tyk.conf or TYK_GW_SECRET (or start with --dev)')
}

function listen (server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host === '' ? undefined : host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}
