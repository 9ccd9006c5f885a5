import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** How often idle connections are closed while draining: each one just finished a response. */
const SWEEP_MS = 50

/**
 * Stops a node:http server the way Go's http.Server.Shutdown stops Tyk's (gateway/server.go,
 * gracefulShutdown): the listener closes at once, so new connections are refused; idle keep-alive
 * connections close; requests in flight finish, and their connections close when they do
 * (responses started meanwhile say `Connection: close`). After `graceMs` every connection left
 * is destroyed, and their number comes back: each had a request in flight, cut.
 */
export async function drainServer (server: Server, graceMs: number): Promise<{ readonly cutRequests: number }> {
  const closed = new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  // before the server's own handler, which may answer at once
  server.prependListener('request', noKeepAlive)
  server.closeIdleConnections()
  const sweep = setInterval(() => { server.closeIdleConnections() }, SWEEP_MS)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<true>((resolve) => { timer = setTimeout(() => { resolve(true) }, graceMs) })
  try {
    if (await Promise.race([closed.then(() => false), timedOut]) === false) return { cutRequests: 0 }
    server.closeIdleConnections()
    // HTTP/1.1 without pipelining: one request in flight per connection left
    const cutRequests = await new Promise<number>((resolve) => { server.getConnections((err, count) => { resolve(err === null ? count : 0) }) })
    server.closeAllConnections()
    await closed
    return { cutRequests }
  } finally {
    clearInterval(sweep)
    clearTimeout(timer)
    server.off('request', noKeepAlive)
  }
}

function noKeepAlive (_req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false
}
