import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { loadConfig } from '../../src/cli/load-config.js'
import type { Config } from '../../src/model/config.js'
import { startGatehouse, type RunningGatehouse, type StartOptions } from '../../src/main.js'

export type ConfigOverrides = { -readonly [K in keyof Config]?: unknown }

export interface TestGatehouse extends RunningGatehouse {
  readonly secret: string
  readonly dataDir: string
  readonly config: Config
  /** A management API call with the right secret unless `secret` is given. */
  admin: (method: string, path: string, body?: unknown, options?: { secret?: string | null, rawBody?: string, headers?: Record<string, string> }) => Promise<AdminResponse>
}

export interface AdminResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown
}

export function uid (): string {
  return randomBytes(6).toString('hex')
}

export function tempDir (prefix = 'gatehouse-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** The config a test gateway runs with: defaults, a random secret, port 0, a fresh data dir. */
export function testConfig (overrides: ConfigOverrides = {}, dataDir = tempDir()): Config {
  const base = loadConfig({ env: {} })
  return {
    ...base,
    secret: randomBytes(16).toString('hex'),
    listen_address: '127.0.0.1',
    listen_port: 0,
    // closing with a request in flight waits 1 s, not Tyk's 30
    graceful_shutdown_timeout_duration: 1,
    ...overrides,
    storage: { ...base.storage, path: dataDir, ...(overrides.storage as object | undefined) }
  } as Config
}

/** A real Gatehouse on loopback, port 0, real SQLite in a temp dir; closed by the caller. */
export async function startTestGatehouse (overrides: ConfigOverrides = {}, options: StartOptions & { dataDir?: string } = {}): Promise<TestGatehouse> {
  const dataDir = options.dataDir ?? tempDir()
  const config = testConfig(overrides, dataDir)
  const running = await startGatehouse(config, { logger: pino({ level: 'silent' }), ...options })
  return {
    ...running,
    secret: config.secret,
    dataDir,
    config,
    close: async () => {
      await running.close()
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
    },
    admin: async (method, path, body, requestOptions = {}) => {
      const headers: Record<string, string> = { ...requestOptions.headers }
      const secret = requestOptions.secret === undefined ? config.secret : requestOptions.secret
      if (secret !== null) headers['x-tyk-authorization'] = secret
      const payload = requestOptions.rawBody ?? (body === undefined ? undefined : JSON.stringify(body))
      const res = await fetch(running.url + path, { method, headers, body: payload })
      const text = await res.text()
      let json: unknown
      try { json = JSON.parse(text) } catch { json = undefined }
      return { status: res.status, headers: res.headers, text, json }
    }
  }
}
