import { createRequire } from 'node:module'
import type { Dispatcher, Pool as UndiciPool } from 'undici'

/**
 * undici's Pool and its stream() call, loaded without the rest of the package: `import 'undici'`
 * also loads fetch, WebSocket, caches and their Wasm, about 40 MiB of resident memory a gateway
 * never uses (measured: 55 vs 95 MiB for a process that streams one request). The paths are
 * undici's own CommonJS modules; the lockfile pins the version, and the gateway tests exercise them.
 */
const require = createRequire(import.meta.url)

type PoolConstructor = new (origin: string, options?: UndiciPool.Options) => UndiciPool
type StreamFunction<TOpaque> = (this: Dispatcher, options: Dispatcher.RequestOptions<TOpaque>, factory: Dispatcher.StreamFactory<TOpaque>, callback: (err: Error | null, data: Dispatcher.StreamData<TOpaque>) => void) => void

export const Pool = require('undici/lib/dispatcher/pool.js') as PoolConstructor
const stream: unknown = require('undici/lib/api/api-stream.js')

/** pool.stream(), for a pool made by this module's Pool. */
export function streamThrough<TOpaque> (pool: UndiciPool, options: Dispatcher.RequestOptions<TOpaque>, factory: Dispatcher.StreamFactory<TOpaque>, callback: (err: Error | null, data: Dispatcher.StreamData<TOpaque>) => void): void {
  (stream as StreamFunction<TOpaque>).call(pool, options, factory, callback)
}
