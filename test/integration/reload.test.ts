import { test } from 'node:test'
import assert from 'node:assert/strict'
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'
import { capturedLogger, ERROR, WARN, type LogLine } from '../helpers/logs.js'
import { GatehouseStartError } from '../../src/start-error.js'

// Issue 15, points 3 and 22: a reload that fails keeps the previous set live and says so; the
// next one works. Policies files: a broken one and a shadowed entry are named in the log.

interface Setup { gh: TestGatehouse, upstream: EchoUpstream, apps: string, policies: string, lines: () => LogLine[] }

async function setup (t: { after: (fn: () => Promise<void>) => void }, dataDir?: string): Promise<Setup> {
  const upstream = await startEchoUpstream()
  const dir = tempDir()
  const apps = join(dir, 'apps')
  const policies = join(dir, 'policies.json')
  writeJson(apps, 'one.json', anApi({ api_id: 'one', listen_path: '/one/', target: upstream.url, keyless: true }))
  writeJson(dir, 'policies.json', { filePolicy: { org_id: 'default', rate: 10, per: 1, access_rights: {} } })
  const { logger, lines } = capturedLogger()
  const gh = await startTestGatehouse({ app_path: apps, policies: { policy_source: 'file', policy_record_name: policies, policy_path: '', allow_explicit_policy_id: true } }, { logger, dataDir })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh, upstream, apps, policies, lines }
}

async function status (gh: TestGatehouse, path: string): Promise<number> {
  const res = await fetch(gh.url + path)
  await res.arrayBuffer()
  return res.status
}

const OK = { status: 'ok', message: '' }

test('issue 15: a reload leaves out a bad or refused file and names it in its error; the rest goes live; once fixed the next reload is ok', async (t) => {
  const { gh, upstream, apps } = await setup(t)
  writeJson(apps, 'two.json', anApi({ api_id: 'two', listen_path: '/two/', target: upstream.url, keyless: true }))
  writeJson(apps, 'bad.json', { api_id: 'bad', use_keyless: true, proxy: { target_url: upstream.url } })
  writeJson(apps, 'jwt.json', anApi({ api_id: 'jwtApi', listen_path: '/jwt/', target: upstream.url, enable_jwt: true }))

  const reloaded = await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(reloaded.status, 500)
  const body = reloaded.json as { status: string, message: string }
  assert.equal(body.status, 'error')
  assert.match(body.message, /^Reloaded, but left out: /)
  assert.ok(body.message.includes(`API definition ${join(apps, 'bad.json')} skipped: proxy.listen_path`), body.message)
  assert.ok(body.message.includes(`${join(apps, 'jwt.json')} skipped: API jwtApi turns on enable_jwt`), body.message)
  assert.equal(await status(gh, '/one/x'), 200, 'the previous API stays')
  assert.equal(await status(gh, '/two/x'), 200, 'a good new file goes live beside the bad one')
  assert.equal(await status(gh, '/jwt/x'), 404)

  writeJson(apps, 'bad.json', anApi({ api_id: 'bad', listen_path: '/bad/', target: upstream.url, keyless: true }))
  rmSync(join(apps, 'jwt.json'))
  const fixed = await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(fixed.status, 200)
  assert.deepEqual(fixed.json, OK)
  assert.equal(await status(gh, '/bad/x'), 200)
})

test('issue 15: a reload that cannot read app_path or the policies file keeps the previous APIs and policies live; the next reload works', async (t) => {
  const { gh, upstream, apps, policies } = await setup(t)
  writeJson(apps, 'two.json', anApi({ api_id: 'two', listen_path: '/two/', target: upstream.url, keyless: true }))

  // app_path is now a file: nothing can be read, so nothing changes
  renameSync(apps, apps + '.away')
  writeFileSync(apps, 'not a folder')
  const noFolder = await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(noFolder.status, 500)
  assert.match((noFolder.json as { message: string }).message, new RegExp(`^Reload failed, the previous APIs and policies stay live: API definitions: cannot read app_path ${apps}: ENOTDIR`))
  assert.equal(await status(gh, '/one/x'), 200)
  assert.equal(await status(gh, '/two/x'), 404, 'the new file never went live')
  assert.equal((await gh.admin('GET', '/tyk/policies/filePolicy')).status, 200)
  rmSync(apps)
  renameSync(apps + '.away', apps)

  // a policies file that is not JSON: the whole reload keeps the previous set, APIs included
  writeFileSync(policies, '{\n  "filePolicy": {,\n}')
  const badPolicies = await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(badPolicies.status, 500)
  assert.match((badPolicies.json as { message: string }).message, new RegExp(`stay live: policies: ${policies} is not valid JSON at line 2 column 18`))
  assert.equal(await status(gh, '/two/x'), 404)
  assert.equal((await gh.admin('GET', '/tyk/policies/filePolicy')).status, 200)

  writeJson(join(policies, '..'), 'policies.json', { filePolicy: { org_id: 'default', rate: 20, per: 1, access_rights: {} } })
  const fixed = await gh.admin('GET', '/tyk/reload?block=true')
  assert.deepEqual([fixed.status, fixed.json], [200, OK])
  assert.equal(await status(gh, '/two/x'), 200)
  assert.equal(((await gh.admin('GET', '/tyk/policies/filePolicy')).json as { rate: number }).rate, 20)
})

test('issue 15: a non-blocking reload answers ok and logs what it left out, or why it failed', async (t) => {
  const { gh, apps, lines } = await setup(t)
  const waitFor = async (level: number, text: string): Promise<void> => {
    const deadline = Date.now() + 5000
    const logged = (): boolean => lines().some((line) => line.level === level && line.msg.includes(text))
    while (!logged() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve))
    assert.ok(logged(), `logged at ${level}: ${text}`)
  }
  writeJson(apps, 'bad.json', { api_id: 'bad', proxy: { listen_path: '/bad/', target_url: 'nowhere' } })
  assert.deepEqual((await gh.admin('GET', '/tyk/reload')).json, OK)
  await waitFor(WARN, `${join(apps, 'bad.json')} skipped: proxy.target_url nowhere is not a URL`)

  renameSync(apps, apps + '.away')
  writeFileSync(apps, 'not a folder')
  assert.deepEqual((await gh.admin('GET', '/tyk/reload')).json, OK)
  await waitFor(ERROR, `reload failed, the previous APIs and policies stay live: API definitions: cannot read app_path ${apps}`)
  assert.equal(await status(gh, '/one/x'), 200)
  rmSync(apps)
  renameSync(apps + '.away', apps)
  rmSync(join(apps, 'bad.json'))
  assert.deepEqual((await gh.admin('GET', '/tyk/reload?block=true')).json, OK, 'the next reload works')
})

test('issue 15: a policies file that is not JSON at start: Gatehouse starts without its policies, logs file, line and column at error, keeps written policies', async (t) => {
  const dataDir = tempDir()
  t.after(() => { rmSync(dataDir, { recursive: true, force: true }) })
  const first = await setup(t, dataDir)
  assert.equal((await first.gh.admin('POST', '/tyk/policies', { id: 'written', org_id: 'default', rate: 1, per: 1, access_rights: {} })).status, 200)
  await first.gh.close()

  const second = await setup(t, dataDir)
  writeFileSync(second.policies, '{ "filePolicy": ')
  await second.gh.close()
  const { logger, lines } = capturedLogger()
  const gh = await startTestGatehouse({ app_path: second.apps, policies: { policy_source: 'file', policy_record_name: second.policies, policy_path: '', allow_explicit_policy_id: true } }, { logger, dataDir })
  t.after(async () => { await gh.close() })
  const errors = lines().filter((line) => line.level === ERROR).map((line) => line.msg)
  assert.equal(errors.length, 1, JSON.stringify(errors))
  assert.match(errors[0] ?? '', new RegExp(`policies: ${second.policies} is not valid JSON at line 1 column 17: .*starting with no policies from it`))
  assert.equal((await gh.admin('GET', '/tyk/policies/written')).status, 200, 'written policies still load')
  assert.equal((await gh.admin('GET', '/tyk/policies/filePolicy')).status, 404)
  assert.equal(await status(gh, '/one/x'), 200, 'APIs load')
})

test('issue 15: a policy written through /tyk/policies that shadows a policies-file entry is warned about at load', async (t) => {
  const { gh, policies, lines } = await setup(t)
  assert.equal((await gh.admin('POST', '/tyk/policies', { id: 'filePolicy', org_id: 'default', rate: 99, per: 1, access_rights: {} })).status, 200)
  assert.deepEqual((await gh.admin('GET', '/tyk/reload?block=true')).json, OK)
  const shadows = lines().filter((line) => line.level === WARN && line.msg.includes('shadows'))
  assert.equal(shadows.length, 1, JSON.stringify(shadows))
  assert.equal(shadows[0]?.msg, `policy filePolicy written through /tyk/policies (kept in the embedded store) shadows policy filePolicy of ${policies}: the written one is served`)
  assert.equal(((await gh.admin('GET', '/tyk/policies/filePolicy')).json as { rate: number }).rate, 99)
})

test('issue 15: at start a missing app_path is no APIs (Tyk), one that is there but cannot be read stops the start naming it', async (t) => {
  const dir = tempDir()
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  writeJson(dir, 'policies.json', { filePolicy: { org_id: 'default', rate: 10, per: 1, access_rights: {} } })
  const policies = { policy_source: 'file', policy_record_name: join(dir, 'policies.json'), policy_path: '', allow_explicit_policy_id: true }
  const gh = await startTestGatehouse({ app_path: join(dir, 'missing'), policies })
  t.after(async () => { await gh.close() })
  assert.equal((await gh.admin('GET', '/tyk/policies/filePolicy')).status, 200)
  assert.deepEqual((await gh.admin('GET', '/tyk/apis')).json, [])

  const apps = join(dir, 'apps')
  writeFileSync(apps, 'not a folder')
  await assert.rejects(startTestGatehouse({ app_path: apps, policies }), (err: Error) => {
    assert.ok(err instanceof GatehouseStartError, String(err))
    assert.match(err.message, new RegExp(`^API definitions: cannot read app_path ${apps}: ENOTDIR`))
    return true
  })
})
