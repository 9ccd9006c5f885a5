import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SampleUpstream {
  readonly url: string
  close: () => Promise<void>
}

/** A tiny loopback upstream for the quickstart: answers every request with what it received. */
export async function startSampleUpstream (): Promise<SampleUpstream> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= 64 * 1024) chunks.push(chunk)
    })
    req.on('end', () => {
      const body = JSON.stringify({
        upstream: 'gatehouse sample upstream',
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }, null, 2) + '\n'
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.close(() => { resolve() })
      server.closeAllConnections()
    })
  }
}
