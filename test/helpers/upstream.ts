import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface EchoUpstream {
  readonly url: string
  /** How many requests reached it. */
  readonly hits: () => number
  close: () => Promise<void>
}

/** A loopback upstream that answers with what it received: method, url, headers, body. */
export async function startEchoUpstream (): Promise<EchoUpstream> {
  let hits = 0
  const server = createServer((req, res) => {
    hits++
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise((resolve) => {
      server.close(() => { resolve() })
      server.closeAllConnections()
    })
  }
}

/** A classic API definition pointing at `target`. */
export function anApi (fields: { api_id: string, org_id?: string, listen_path: string, target: string, keyless?: boolean, [extra: string]: unknown }): Record<string, unknown> {
  const { api_id: apiId, org_id: orgId, listen_path: listenPath, target, keyless, ...rest } = fields
  return {
    name: `API ${apiId}`,
    api_id: apiId,
    org_id: orgId ?? 'default',
    use_keyless: keyless ?? false,
    auth: { auth_header_name: 'Authorization' },
    version_data: { not_versioned: true, versions: { Default: { name: 'Default' } } },
    proxy: { listen_path: listenPath, target_url: target, strip_listen_path: true },
    ...rest
  }
}

export function writeJson (dir: string, name: string, value: unknown): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, name), JSON.stringify(value, null, 2))
}
