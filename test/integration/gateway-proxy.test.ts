import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestGatehouse, tempDir, type ConfigOverrides, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, writeJson } from '../helpers/upstream.js'

/** A keyless API in front of an upstream that runs `handler`: the proxy's behaviour alone. */
async function setup (t: { after: (fn: () => Promise<void>) => void }, handler: RequestListener, overrides: ConfigOverrides = {}): Promise<{ gh: TestGatehouse, upstream: Server }> {
  const upstream = createServer(handler)
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'p.json', anApi({ api_id: 'p', listen_path: '/p/', target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, keyless: true }))
  const gh = await startTestGatehouse({ app_path: apps, ...overrides })
  t.after(async () => {
    upstream.closeAllConnections()
    await new Promise((resolve) => upstream.close(resolve))
    await gh.close()
  })
  return { gh, upstream }
}

/** A plain node:http request: the raw head as received, and the body left to the caller. */
async function open (gh: TestGatehouse, path: string, options: { method?: string, body?: Buffer } = {}): Promise<IncomingMessage> {
  const req = request(`${gh.url}${path}`, { method: options.method ?? 'GET' })
  req.end(options.body)
  const [res] = await once(req, 'response') as [IncomingMessage]
  return res
}

async function readAll (res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

async function statusesOf (gh: TestGatehouse): Promise<Record<string, number>> {
  return ((await gh.admin('GET', '/tyk/analytics?api_id=p')).json as { by_status: Record<string, number> }).by_status
}

test('a large request body and a large response stream through intact', async (t) => {
  const upload = Buffer.alloc(8 * 1024 * 1024 + 13)
  for (let i = 0; i < upload.length; i++) upload[i] = (i * 7) % 251
  const { gh } = await setup(t, (req, res) => {
    // echoes the body back as it arrives, chunked: neither side knows the whole length
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    req.pipe(res)
  })
  const res = await open(gh, '/p/echo', { method: 'PUT', body: upload })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['transfer-encoding'], 'chunked')
  assert.equal(sha(await readAll(res)), sha(upload))
})

test('a client that reads slowly pauses the upstream instead of being buffered whole', async (t) => {
  const chunk = Buffer.alloc(1024 * 1024, 7)
  const total = 64
  let writtenBeforeStall = -1
  const { gh } = await setup(t, (_req, res) => {
    res.writeHead(200, { 'content-length': String(chunk.length * total) })
    let written = 0
    const more = (): void => {
      while (written < total) {
        written++
        if (!res.write(chunk)) {
          if (writtenBeforeStall === -1) writtenBeforeStall = written
          res.once('drain', more)
          return
        }
      }
      res.end()
    }
    more()
  })
  const res = await open(gh, '/p/big')
  res.pause()
  await sleep(500)
  assert.ok(writtenBeforeStall > 0 && writtenBeforeStall < total / 2, `the upstream stalled after ${writtenBeforeStall} MiB of ${total}`)
  const body = await readAll(res)
  assert.equal(body.length, chunk.length * total)
})

test('a client that leaves before the answer: the upstream request is cancelled and 499 recorded', async (t) => {
  // the close promise travels in an object: a promise resolved with a promise would wait for it
  let arrived: (upstream: { closed: Promise<unknown> }) => void = () => {}
  const upstreamGotRequest = new Promise<{ closed: Promise<unknown> }>((resolve) => { arrived = resolve })
  const { gh } = await setup(t, (req) => {
    arrived({ closed: once(req.socket, 'close') })
    // never answers
  })
  const req = request(`${gh.url}/p/slow`)
  req.on('error', () => {})
  req.end()
  const upstream = await upstreamGotRequest
  req.destroy()
  await Promise.race([upstream.closed, sleep(3000).then(() => { throw new Error('the upstream connection was never closed') })])
  assert.deepEqual(await statusesOf(gh), { 499: 1 })
})

test('an upstream slower than proxy_default_timeout is Tyk\'s 504, and the gateway keeps serving', async (t) => {
  const { gh } = await setup(t, (req, res) => {
    if (req.url === '/slow') return // never answers
    res.end('fast')
  }, { proxy_default_timeout: 0.3 })
  const started = Date.now()
  const slow = await fetch(`${gh.url}/p/slow`)
  assert.equal(slow.status, 504)
  assert.deepEqual(await slow.json(), { error: 'Upstream service reached hard timeout.' })
  assert.ok(Date.now() - started < 3000)
  const fast = await fetch(`${gh.url}/p/fast`)
  assert.equal(await fast.text(), 'fast')
  assert.deepEqual(await statusesOf(gh), { 200: 1, 504: 1 })
})

test('an upstream silent for proxy_default_timeout in the middle of its body: the client\'s response is cut, the upstream connection closed', async (t) => {
  let upstreamClosed: Promise<unknown> = Promise.resolve()
  const { gh } = await setup(t, (req, res) => {
    if (req.url === '/ok') {
      res.end('fine')
      return
    }
    upstreamClosed = once(req.socket, 'close')
    res.writeHead(200, { 'content-length': '1000' })
    res.write('the first part, then nothing')
  }, { proxy_default_timeout: 0.3 })
  const started = Date.now()
  const res = await open(gh, '/p/stalls')
  assert.equal(res.statusCode, 200)
  const outcome = await Promise.race([readAll(res).then(() => 'complete', () => 'cut'), sleep(3000).then(() => 'still waiting')])
  assert.equal(outcome, 'cut')
  assert.ok(Date.now() - started < 3000, `cut after ${Date.now() - started} ms`)
  await Promise.race([upstreamClosed, sleep(3000).then(() => { throw new Error('the upstream connection was never closed') })])
  assert.equal(await (await fetch(`${gh.url}/p/ok`)).text(), 'fine')
})

test('an upstream that breaks off mid-body cuts the client\'s response; the next request works', async (t) => {
  const { gh } = await setup(t, (req, res) => {
    if (req.url === '/ok') {
      res.end('fine')
      return
    }
    res.writeHead(200, { 'content-length': '1000' })
    res.write('only part of it')
    setTimeout(() => { res.socket?.destroy() }, 50)
  })
  const res = await open(gh, '/p/broken')
  assert.equal(res.statusCode, 200)
  await assert.rejects(readAll(res))
  assert.equal(await (await fetch(`${gh.url}/p/ok`)).text(), 'fine')
})

test('response heads: hop-by-hop headers dropped, repeated headers and latin1 bytes kept, 1xx not relayed', async (t) => {
  const { gh } = await setup(t, (req, res) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': '42', 'x-head': 'yes' })
      res.end()
      return
    }
    if (req.url === '/empty') {
      res.writeHead(204, { 'x-empty': 'yes' })
      res.end()
      return
    }
    res.writeEarlyHints({ link: '</style.css>; rel=preload' })
    res.writeHead(201, [
      'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Connection', 'x-private, keep-alive', 'X-Private', 'secret',
      'Keep-Alive', 'timeout=5', 'X-Name', Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString('latin1'), 'Content-Length', '2'
    ])
    // a Buffer body: with a string, Node would write the head as UTF-8 along with it
    res.end(Buffer.from('ok'))
  })
  const res = await open(gh, '/p/heads')
  assert.equal(res.statusCode, 201)
  assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2'])
  assert.equal(res.headers['x-private'], undefined, 'named by the upstream\'s Connection header')
  assert.equal(res.headers['keep-alive'], 'timeout=65', 'the gateway\'s own keep-alive, not the upstream\'s')
  assert.equal(res.headers['x-ratelimit-limit'], '0')
  const rawName = res.rawHeaders[res.rawHeaders.indexOf('X-Name') + 1] ?? ''
  assert.deepEqual(Buffer.from(rawName, 'latin1'), Buffer.from([0x63, 0x61, 0x66, 0xe9]))
  assert.equal((await readAll(res)).toString(), 'ok')

  const head = await open(gh, '/p/heads', { method: 'HEAD' })
  assert.deepEqual([head.statusCode, head.headers['x-head'], head.headers['content-length']], [200, 'yes', '42'])
  assert.equal((await readAll(head)).length, 0)
  const empty = await open(gh, '/p/empty')
  assert.deepEqual([empty.statusCode, empty.headers['x-empty']], [204, 'yes'])
  assert.equal((await readAll(empty)).length, 0)
})

test('the upstream gets its own host, or the client\'s with preserve_host_header', async (t) => {
  const upstream = createServer((req, res) => { res.end(req.headers.host) })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'own.json', anApi({ api_id: 'own', listen_path: '/own/', target, keyless: true }))
  const preserved = anApi({ api_id: 'kept', listen_path: '/kept/', target, keyless: true })
  writeJson(apps, 'kept.json', { ...preserved, proxy: { ...(preserved.proxy as object), preserve_host_header: true } })
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => {
    upstream.closeAllConnections()
    await new Promise((resolve) => upstream.close(resolve))
    await gh.close()
  })
  const hostSeen = async (path: string): Promise<string> => {
    const req = request(`${gh.url}${path}`, { headers: { host: 'api.example.com:8443' } })
    req.end()
    const [res] = await once(req, 'response') as [IncomingMessage]
    return (await readAll(res)).toString()
  }
  assert.equal(await hostSeen('/own/x'), new URL(target).host, 'Tyk\'s default: the target\'s host')
  assert.equal(await hostSeen('/kept/x'), 'api.example.com:8443')
})

test('enable_load_balancing: target_list entries take turns, each with its own path; a bad entry keeps the API out', async (t) => {
  const upstreams = await Promise.all(['a', 'b'].map(async (name) => {
    const server = createServer((req, res) => { res.end(`${name} ${req.url ?? ''}`) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` }
  }))
  const [a, b] = upstreams as [typeof upstreams[0], typeof upstreams[0]]
  const apps = join(tempDir(), 'apps')
  const balanced = anApi({ api_id: 'lb', listen_path: '/lb/', target: `http://${a.host}`, keyless: true })
  writeJson(apps, 'lb.json', { ...balanced, proxy: { ...(balanced.proxy as object), enable_load_balancing: true, target_list: [`http://${a.host}/base`, b.host, `http://${a.host}/base`] } })
  const broken = anApi({ api_id: 'bad', listen_path: '/bad/', target: `http://${a.host}`, keyless: true })
  writeJson(apps, 'bad.json', { ...broken, proxy: { ...(broken.proxy as object), enable_load_balancing: true, target_list: ['http://[::1'] } })
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => {
    for (const { server } of upstreams) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
    await gh.close()
  })
  const answers: string[] = []
  for (let i = 0; i < 4; i++) answers.push(await (await fetch(`${gh.url}/lb/x?n=${i}`)).text())
  assert.deepEqual(answers, ['a /base/x?n=0', 'b /x?n=1', 'a /base/x?n=2', 'a /base/x?n=3'], 'in list order, a bare host gets http://')
  assert.equal((await fetch(`${gh.url}/bad/x`)).status, 404, 'an API with an unusable target is not loaded')
})
