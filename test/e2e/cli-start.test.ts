import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/gatehouse.js'
import { tykFixture } from '../helpers/fixtures.js'
import { freePort } from '../helpers/processes.js'
import { runCli, waitForHello } from '../helpers/cli.js'

const fixturePath = (): string => tykFixture('tyk/tyk.conf.example')

test('Tyk\'s sample tyk.conf starts as it is with --dev and an embedded store override', async (t) => {
  const dir = tempDir()
  const port = await freePort()
  const run = runCli(['start', '--conf', fixturePath(), '--dev'], { TYK_GW_LISTENPORT: String(port), TYK_GW_STORAGE_TYPE: 'embedded', TYK_GW_STORAGE_PATH: dir, TYK_GW_APPPATH: join(dir, 'apps') })
  t.after(() => { run.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  await waitForHello(`http://127.0.0.1:${port}`, run)
  const res = await fetch(`http://127.0.0.1:${port}/tyk/keys/create`, {
    method: 'POST',
    headers: { 'x-tyk-authorization': '352d20ee67be67f6340b4c0605b044b7' },
    body: JSON.stringify({ org_id: 'default', access_rights: { a: { api_id: 'a' } } })
  })
  const body = await res.json() as { key: string, key_hash: string }
  assert.equal(res.status, 200)
  // hash_key_function murmur64 in the sample: Base64 tokens, 16-hex hashes
  assert.match(body.key, /^eyJ/)
  assert.match(body.key_hash, /^[0-9a-f]{16}$/)
  run.child.kill('SIGTERM')
  assert.equal(await run.exited, 0, 'SIGTERM is a clean stop')
})

test('the start refuses an empty or sample secret without --dev, redis storage, and bad fields', async (t) => {
  const dir = tempDir()
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  const conf = (value: object): string => {
    const file = join(dir, `conf-${Math.random().toString(16).slice(2)}.json`)
    writeFileSync(file, JSON.stringify({ storage: { type: 'embedded', path: join(dir, 'data') }, listen_port: 1, ...value }))
    return file
  }
  const cases: Array<[args: string[], message: RegExp]> = [
    [['start', '--conf', fixturePath()], /secret is Tyk's published sample secret/],
    [['start', '--conf', conf({ secret: '' })], /secret is empty/],
    [['start', '--conf', conf({ secret: 'a-real-secret-1234', storage: { type: 'redis' } })], /storage\.type "redis" is not supported yet/],
    [['start', '--conf', conf({ secret: 'a-real-secret-1234', listen_port: 'abc' })], /listen_port/],
    [['start', '--conf', conf({ secret: 'a-real-secret-1234', hash_key_function: 'md5' })], /hash_key_function/],
    [['start', '--conf', join(dir, 'missing.json')], /missing\.json/]
  ]
  for (const [args, message] of cases) {
    const run = runCli(args)
    const code = await run.exited
    assert.equal(code, 1, `${args.join(' ')}: ${run.output()}`)
    assert.match(run.output(), message)
    assert.doesNotMatch(run.output(), /\n\s+at /, 'an operator error, not a stack trace')
  }
})

test('the README quickstart starts everything and its curl lines work', async (t) => {
  const dir = tempDir()
  const port = await freePort()
  const run = runCli(['quickstart', '--dir', dir, '--port', String(port)])
  t.after(() => { run.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  const url = `http://127.0.0.1:${port}`
  await waitForHello(url, run)
  const until = Date.now() + 10_000
  while (!run.output().includes('Stop with Ctrl-C') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
  const out = run.output()
  const key = /sample key:\s+(\S+)/.exec(out)?.[1] ?? ''
  const secret = /secret \(X-Tyk-Authorization\):\s+(\S+)/.exec(out)?.[1] ?? ''
  assert.notEqual(key, '')
  assert.equal(secret, readFileSync(join(dir, 'secret'), 'utf8').trim(), 'the secret is kept in the data dir')
  assert.equal(readFileSync(join(dir, 'sample-key.hash'), 'utf8').includes(key), false, 'the raw key is not stored')

  const proxied = await fetch(`${url}/sample/anything`, { headers: { authorization: key } })
  assert.equal(proxied.status, 200)
  assert.equal((await proxied.json() as { upstream: string }).upstream, 'gatehouse sample upstream')
  assert.equal((await fetch(`${url}/sample/anything`)).status, 401)
  const read = await fetch(`${url}/tyk/keys/${key}`, { headers: { 'x-tyk-authorization': secret } })
  assert.equal(read.status, 200)
  assert.deepEqual((await read.json() as { apply_policies: string[] }).apply_policies, ['sample-policy'])
  const created = await fetch(`${url}/tyk/keys/create`, { method: 'POST', headers: { 'x-tyk-authorization': secret }, body: '{"org_id":"sample-org","apply_policies":["sample-policy"]}' })
  assert.equal(created.status, 200)
  assert.equal((await fetch(`${url}/tyk/openapi.json`, { headers: { 'x-tyk-authorization': secret } })).status, 200)
  for (const line of out.split('\n').filter((l) => l.trim().startsWith('curl '))) {
    assert.ok(line.includes(url), `curl lines point at the running gateway: ${line}`)
  }
})
