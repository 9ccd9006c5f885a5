import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, writeJson } from '../helpers/upstream.js'

/** What the upstream saw of each request: the body is hashed as it streams in. */
interface Seen { readonly method: string, readonly url: string, readonly headers: IncomingHttpHeaders, readonly bytes: number, readonly sha: string }

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** A keyless API /open/ and a keyed API /keyed/ in front of one recording upstream. */
async function setup (t: { after: (fn: () => Promise<void>) => void }): Promise<{ gh: TestGatehouse, seen: Seen[] }> {
  const seen: Seen[] = []
  const upstream: Server = createServer((req, res) => {
    const hash = createHash('sha256')
    let bytes = 0
    req.on('data', (chunk: Buffer) => { hash.update(chunk); bytes += chunk.length })
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes, sha: hash.digest('hex') })
      res.end('stored')
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'open.json', anApi({ api_id: 'open', listen_path: '/open/', target, keyless: true }))
  writeJson(apps, 'keyed.json', anApi({ api_id: 'keyed', listen_path: '/keyed/', target }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => {
    upstream.closeAllConnections()
    await new Promise((resolve) => upstream.close(resolve))
    await gh.close()
  })
  return { gh, seen }
}

interface Upload { readonly status: number, readonly continued: boolean, readonly headers: IncomingHttpHeaders, readonly body: string, readonly socketClosed: Promise<unknown> }

/** As curl uploads more than 1 MiB: `Expect: 100-continue`, and the body only after a 100. */
async function uploadExpectingContinue (gh: TestGatehouse, path: string, body: Buffer, method = 'PUT', headers: Record<string, string> = {}): Promise<Upload> {
  const req = request(`${gh.url}${path}`, { method, headers: { ...headers, expect: '100-continue', 'content-length': String(body.length) } })
  let continued = false
  req.on('continue', () => {
    continued = true
    req.end(body)
  })
  req.flushHeaders()
  const [res] = await once(req, 'response') as [IncomingMessage]
  const socket = res.socket
  const socketClosed = socket.destroyed ? Promise.resolve() : once(socket, 'close')
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  return { status: res.statusCode ?? 0, continued, headers: res.headers, body: Buffer.concat(chunks).toString(), socketClosed }
}

/** Bytes written on a bare socket, and everything that comes back until the server closes it. */
async function exchange (gh: TestGatehouse, text: string): Promise<string> {
  const socket = connect(gh.port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.write(text)
  // no hang: the test's timeout fails a server that never closes
  await once(socket, 'close')
  return Buffer.concat(chunks).toString('latin1')
}

test('issue 15: an Expect: 100-continue upload of 2 MiB gets its 100 and reaches the upstream whole', { timeout: 20_000 }, async (t) => {
  const { gh, seen } = await setup(t)
  const body = Buffer.alloc(2 * 1024 * 1024)
  for (let i = 0; i < body.length; i++) body[i] = (i * 13) % 251
  const upload = await uploadExpectingContinue(gh, '/open/files/a.bin', body)
  assert.deepEqual([upload.status, upload.body, upload.continued], [200, 'stored', true])
  assert.equal(seen.length, 1)
  assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.bytes, seen[0]?.sha], ['PUT', '/files/a.bin', body.length, sha(body)])
  assert.equal(seen[0]?.headers.expect, undefined, 'the expectation was answered here, not forwarded')
  assert.equal(seen[0]?.headers['content-length'], String(body.length))
  // the management API reads its body too: it gets its 100 the same way
  const created = await uploadExpectingContinue(gh, '/tyk/keys/create', Buffer.from(JSON.stringify({ access_rights: { keyed: { api_id: 'keyed', versions: ['Default'] } } })), 'POST', { 'x-tyk-authorization': gh.secret })
  assert.deepEqual([created.status, created.continued], [200, true], created.body)
})

test('issue 15: an Expect: 100-continue upload refused before proxying gets its 401 without sending the body, and the connection closes', { timeout: 20_000 }, async (t) => {
  const { gh, seen } = await setup(t)
  const upload = await uploadExpectingContinue(gh, '/keyed/files/a.bin', Buffer.alloc(2 * 1024 * 1024))
  assert.deepEqual([upload.status, upload.continued], [401, false])
  assert.deepEqual(JSON.parse(upload.body), { error: 'Authorization field missing' })
  assert.equal(upload.headers.connection, 'close', 'the unsent body could still arrive: the connection cannot carry another request')
  await upload.socketClosed
  assert.equal(seen.length, 0)
  // the server carries on
  assert.equal((await fetch(`${gh.url}/open/after`)).status, 200)
})

test('issue 15: CONNECT gets a 405 in Tyk\'s format and the connection closes, whatever its target', { timeout: 20_000 }, async (t) => {
  const { gh, seen } = await setup(t)
  for (const target of ['example.com:443', '/open/tunnel']) {
    const answer = await exchange(gh, `CONNECT ${target} HTTP/1.1\r\nHost: example.com:443\r\n\r\n`)
    const [head = '', body = ''] = answer.split('\r\n\r\n')
    const lines = head.split('\r\n')
    assert.equal(lines[0], 'HTTP/1.1 405 Method Not Allowed', target)
    assert.ok(lines.includes('connection: close'), head)
    assert.ok(lines.includes('content-type: application/json'), head)
    assert.ok(lines.some((line) => line.startsWith('allow: GET')), head)
    assert.deepEqual(JSON.parse(body), { error: 'Method Not Allowed' })
  }
  assert.equal(seen.length, 0)
  assert.equal((await fetch(`${gh.url}/open/after`)).status, 200)
})

test('issue 15: other methods the parser knows are proxied on a listen path, 404 elsewhere; a malformed request line is 400', { timeout: 20_000 }, async (t) => {
  const { gh, seen } = await setup(t)
  for (const method of ['PROPFIND', 'MKCOL', 'PURGE', 'SEARCH', 'LINK', 'REPORT']) {
    const req = request(`${gh.url}/open/dav/${method}`, { method })
    req.end()
    const [res] = await once(req, 'response') as [IncomingMessage]
    res.resume()
    assert.equal(res.statusCode, 200, method)
  }
  assert.deepEqual(seen.map((request) => `${request.method} ${request.url}`), ['PROPFIND', 'MKCOL', 'PURGE', 'SEARCH', 'LINK', 'REPORT'].map((method) => `${method} /dav/${method}`))
  const unrouted = await exchange(gh, 'PROPFIND /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  assert.match(unrouted, /^HTTP\/1\.1 404 Not Found\r\n/)
  for (const line of ['BREW /open/ HTTP/1.1', 'GET /open/ HTTP/1.1 extra', 'PRI * HTTP/2.0']) {
    assert.match(await exchange(gh, `${line}\r\nHost: x\r\n\r\n`), /^HTTP\/1\.1 400 Bad Request\r\n/, line)
  }
})
