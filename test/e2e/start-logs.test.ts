import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/gatehouse.js'
import { freePort } from '../helpers/processes.js'
import { runCli, waitForHello, type CliRun } from '../helpers/cli.js'

interface LogLine { level: number, msg: string }

/** Starts the CLI with `fields` in its tyk.conf, waits for /hello, stops it; returns its log. */
async function startAndStop (t: TestContext, fields: object, env: Record<string, string> = {}): Promise<{ run: CliRun, logs: LogLine[] }> {
  const dir = tempDir()
  const port = await freePort()
  writeFileSync(join(dir, 'tyk.conf'), JSON.stringify({ secret: 'start-logs-secret-1234', listen_address: '127.0.0.1', listen_port: port, app_path: dir, storage: { path: join(dir, 'data') }, ...fields }))
  const run = runCli(['start', '--conf', join(dir, 'tyk.conf')], env)
  t.after(() => { run.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  await waitForHello(`http://127.0.0.1:${port}`, run)
  run.child.kill('SIGTERM')
  assert.equal(await run.exited, 0)
  return { run, logs: run.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine) }
}

// pino's numbers: 20 debug, 30 info, 40 warn, 50 error
test('log_level "error" silences the info lines, start-up included', async (t) => {
  const { logs } = await startAndStop(t, { log_level: 'error' })
  assert.deepEqual(logs.filter((line) => line.level < 50), [])
})

test('log_level "debug" logs debug lines (the configuration at start)', async (t) => {
  const { logs } = await startAndStop(t, { log_level: 'DEBUG' })
  assert.ok(logs.some((line) => line.level === 20 && line.msg === 'configuration loaded'), JSON.stringify(logs))
  assert.ok(logs.some((line) => line.level === 30 && line.msg === 'gatehouse listening'))
})

test('TYK_LOGLEVEL wins over log_level, as in Tyk', async (t) => {
  const { logs } = await startAndStop(t, { log_level: 'debug' }, { TYK_LOGLEVEL: 'warn' })
  assert.deepEqual(logs.filter((line) => line.level < 40), [])
})

test('without a level, info: start and shutdown lines, no debug', async (t) => {
  const { logs } = await startAndStop(t, {})
  const messages = logs.map((line) => line.msg)
  assert.ok(messages.includes('gatehouse listening'))
  assert.ok(messages.some((msg) => msg.startsWith('shutting down')))
  assert.ok(messages.includes('shutdown complete'))
  assert.equal(logs.filter((line) => line.level === 20).length, 0)
})

test('one start-up warning lists the Tyk fields set in tyk.conf that Gatehouse does not act on, another the typos', async (t) => {
  const { logs } = await startAndStop(t, { dns_cache: { enabled: true, ttl: 3600 }, enable_jsvm: true, control_api_port: 9696, lisen_port: 1 })
  const warnings = logs.filter((line) => line.level === 40 && line.msg.startsWith('tyk.conf:'))
  assert.deepEqual(warnings.map((line) => line.msg), [
    'tyk.conf: Tyk fields that Gatehouse recognises but does not act on: dns_cache, enable_jsvm, control_api_port (the management API is served on listen_port)',
    'tyk.conf: fields that neither Tyk nor Gatehouse knows (typos?), ignored: lisen_port'
  ])
})
