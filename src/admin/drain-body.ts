import type { IncomingMessage } from 'node:http'

/** Beyond these, the 413 is sent at once and the connection dropped: a client cannot hold us. */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024
export const DRAIN_MAX_MS = 30_000

/**
 * Reads and discards the rest of a request body we refuse (issue 15: a 413 for an 8 MiB body).
 * Answering first and closing makes a client that writes its whole body before reading get
 * EPIPE or a reset instead of the answer; reading the rest first lets it see the 413. Resolves
 * true once the body has ended, false when a bound was hit or the client went away.
 */
export async function drainBody (req: IncomingMessage, maxBytes = DRAIN_MAX_BYTES, maxMs = DRAIN_MAX_MS): Promise<boolean> {
  if (req.complete || req.readableEnded) return true
  return await new Promise<boolean>((resolve) => {
    let received = 0
    const finish = (ended: boolean): void => {
      clearTimeout(timer)
      req.removeListener('data', onData)
      req.removeListener('end', onEnd)
      req.removeListener('close', onClose)
      req.removeListener('error', onClose)
      resolve(ended)
    }
    const onData = (chunk: Buffer): void => {
      received += chunk.length
      if (received > maxBytes) finish(false)
    }
    const onEnd = (): void => { finish(true) }
    const onClose = (): void => { finish(req.complete) }
    const timer = setTimeout(finish, maxMs, false)
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('close', onClose)
    req.once('error', onClose)
    req.resume()
  })
}
