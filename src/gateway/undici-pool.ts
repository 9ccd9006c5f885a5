import { createRequire } from 'node:module'
import type { Dispatcher, Pool as UndiciPool } from 'undici'

/**
 * undici's Pool, loaded without the rest of the package: `import 'undici'` also loads fetch,
 * WebSocket, caches and their Wasm, about 40 MiB of resident memory a gateway never uses
 * (measured: 55 vs 95 MiB for a process that streams one request). The path is undici's own
 * CommonJS module; the lockfile pins the version, and the gateway tests exercise it.
 */
const require = createRequire(import.meta.url)

type PoolConstructor = new (origin: string, options?: UndiciPool.Options) => UndiciPool

export const Pool = require('undici/lib/dispatcher/pool.js') as PoolConstructor

/**
 * undici's callback interface for one request, which its HTTP/1.1 client calls directly.
 * undici 7 marks it deprecated in favour of controller-style handlers, but those are adapted to
 * it on every request (a wrapper, a controller and a parsed header object each): this one
 * costs nothing extra on the hot path. `rawHeaders` are name/value Buffers as received.
 */
export interface UpstreamHandler {
  onConnect: (abort: (reason?: Error) => void) => void
  onHeaders: (statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string) => boolean
  onData: (chunk: Buffer) => boolean
  onComplete: (trailers: Buffer[] | null) => void
  onError: (err: Error) => void
}

/** Sends one request through the pool; everything that follows arrives at `handler`. */
export function dispatchTo (pool: UndiciPool, options: Dispatcher.DispatchOptions, handler: UpstreamHandler): void {
  pool.dispatch(options, handler as Dispatcher.DispatchHandler)
}
