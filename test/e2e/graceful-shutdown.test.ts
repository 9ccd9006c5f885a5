import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/gatehouse.js'
import { freePort } from '../helpers/processes.js'
import { anApi, writeJson } from '../helpers/upstream.js'
import { runCli, waitForHello, waitForOutput, type CliRun } from '../helpers/cli.js'

/** An upstream that answers `slow done` delayMs after each request arrives. */
async function slowUpstream (delayMs: number): Promise<{ url: string, received: () => number, server: Server }> {
  let received = 0
  const server = createServer((_req, res) => {
    received++
    // unref: a response the test no longer waits for must not keep the test process alive
    setTimeout(() => { res.end('slow done') }, delayMs).unref()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received: () => received, server }
}

async function startWithSlowApi (t: test.TestContext, delayMs: number, conf: object = {}): Promise<{ run: CliRun, url: string, upstream: Awaited<ReturnType<typeof slowUpstream>> }> {
  const dir = tempDir()
  const port = await freePort()
  const upstream = await slowUpstream(delayMs)
  writeJson(join(dir, 'apps'), 'slow.json', anApi({ api_id: 'slow', listen_path: '/slow/', target: upstream.url, keyless: true }))
  writeFileSync(join(dir, 'tyk.conf'), JSON.stringify({ secret: 'shutdown-test-secret-1234', listen_address: '127.0.0.1', listen_port: port, app_path: join(dir, 'apps'), storage: { path: join(dir, 'data') }, ...conf }))
  const run = runCli(['start', '--conf', join(dir, 'tyk.conf')])
  t.after(() => {
    run.child.kill('SIGKILL')
    upstream.server.closeAllConnections()
    upstream.server.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const url = `http://127.0.0.1:${port}`
  await waitForHello(url, run)
  return { run, url, upstream }
}

async function until (condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs
  while (!condition()) {
    if (Date.now() > end) throw new Error(`${what}: not in time`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Resolves with the connect error's code, or 'connected'. */
function tryConnect (port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve('connected') })
    socket.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? 'error') })
  })
}

test('SIGTERM drains: new connections are refused, a 2 s request in flight finishes, exit 0, start and end logged', async (t) => {
  const { run, url, upstream } = await startWithSlowApi(t, 2000)
  const port = Number(new URL(url).port)
  // keep-alive: the connection stays open after the response unless the gateway closes it
  const slow = fetch(`${url}/slow/x`).then(async (res) => ({ status: res.status, body: await res.text() }))
  await until(() => upstream.received() === 1, 'the slow request reaches the upstream')
  const signalledMs = Date.now()
  run.child.kill('SIGTERM')
  await waitForOutput(run, /shutting down/)
  // the log line comes just before the listener closes: poll
  let refused = await tryConnect(port)
  for (let i = 0; i < 50 && refused !== 'ECONNREFUSED'; i++) refused = await tryConnect(port)
  assert.equal(refused, 'ECONNREFUSED', 'a new connection is refused during the drain')
  assert.equal(run.child.exitCode, null, 'still running while the request is in flight')

  assert.deepEqual(await slow, { status: 200, body: 'slow done' })
  assert.equal(await run.exited, 0)
  assert.ok(Date.now() - signalledMs < 10_000, 'stops once the request is done, not after the 30 s timeout')
  const logs = run.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string, timeoutSeconds?: number, reason?: string, cutRequests?: number, durationMs?: number })
  const started = logs.find((entry) => entry.msg.startsWith('shutting down'))
  const complete = logs.find((entry) => entry.msg === 'shutdown complete')
  assert.equal(started?.reason, 'SIGTERM')
  assert.equal(started?.timeoutSeconds, 30, 'Tyk\'s default graceful_shutdown_timeout_duration')
  assert.equal(complete?.cutRequests, 0)
  assert.ok((complete?.durationMs ?? 0) >= 1000, `the drain waited for the request: ${complete?.durationMs ?? 0} ms`)
})

test('a request still in flight after graceful_shutdown_timeout_duration is cut, and the log says so', async (t) => {
  const { run, url, upstream } = await startWithSlowApi(t, 20_000, { graceful_shutdown_timeout_duration: 1 })
  const slow = fetch(`${url}/slow/x`).then((res) => res.status, (err: Error) => err.name)
  await until(() => upstream.received() === 1, 'the slow request reaches the upstream')
  const signalledMs = Date.now()
  run.child.kill('SIGTERM')
  assert.equal(await run.exited, 0)
  const tookMs = Date.now() - signalledMs
  assert.ok(tookMs >= 900 && tookMs < 8000, `stopped after the 1 s timeout: ${tookMs} ms`)
  assert.equal(await slow, 'TypeError', 'the client sees its connection cut')
  assert.match(run.stdout(), /shutdown timeout reached: 1 requests in flight cut/)
  assert.match(run.stdout(), /"cutRequests":1,"msg":"shutdown complete"/)
})
