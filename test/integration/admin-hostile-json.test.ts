import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { startTestGatehouse, tempDir, uid, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

// Issue 15, points 15 and 16: JSON members that would poison a prototype, and JSON so deep that a
// recursive walk overflows the stack.

async function setup (t: { after: (fn: () => Promise<void>) => void }): Promise<TestGatehouse> {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a.json', anApi({ api_id: 'a', org_id: 'acme', listen_path: '/a/', target: upstream.url }))
  writeJson(apps, 'b.json', anApi({ api_id: 'b', org_id: 'acme', listen_path: '/b/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  return gh
}

async function status (gh: TestGatehouse, path: string, key: string): Promise<number> {
  const res = await fetch(gh.url + path, { headers: { authorization: key } })
  await res.arrayBuffer()
  return res.status
}

const RIGHT_A = '{"a":{"api_id":"a","versions":["Default"]}}'
const RIGHT_B = '{"b":{"api_id":"b","versions":["Default"]}}'

test('issue 15: "__proto__" in a key body neither makes the key inactive nor grants an API (create and update)', async (t) => {
  const gh = await setup(t)
  const created = await gh.admin('POST', '/tyk/keys/create', undefined, { rawBody: `{"org_id":"acme","access_rights":${RIGHT_A},"__proto__":{"is_inactive":true}}` })
  assert.equal(created.status, 200, created.text)
  const key = (created.json as { key: string }).key
  assert.equal(((await gh.admin('GET', `/tyk/keys/${key}`)).json as { is_inactive: boolean }).is_inactive, false)
  assert.equal(await status(gh, '/a/', key), 200, 'the key is active')

  const granted = await gh.admin('POST', '/tyk/keys/create', undefined, { rawBody: `{"org_id":"acme","__proto__":{"access_rights":${RIGHT_B}}}` })
  assert.equal(granted.status, 400, 'no access rights of its own: refused as a master key')
  assert.equal((granted.json as { message: string }).message, 'Failed to create key, keys must have at least one Access Rights record set.')

  // spelt with an escape, nested inside access_rights, and on the update routes
  const nested = `{"org_id":"acme","access_rights":{"a":{"api_id":"a","versions":["Default"]},"__proto__":${RIGHT_B}},"\\u005f_proto__":{"is_inactive":true}}`
  for (const method of ['PUT', 'POST']) {
    const res = await gh.admin(method, `/tyk/keys/${key}`, undefined, { rawBody: nested })
    assert.equal(res.status, 200, res.text)
    const read = (await gh.admin('GET', `/tyk/keys/${key}`)).json as { is_inactive: boolean, access_rights: object }
    assert.equal(read.is_inactive, false, method)
    assert.deepEqual(Object.keys(read.access_rights), ['a'], method)
    assert.equal(await status(gh, '/a/', key), 200, `${method}: still reaches its API`)
    assert.equal(await status(gh, '/b/', key), 403, `${method}: never the one in "__proto__"`)
  }
})

test('issue 15: "__proto__" in a policy or an org session has no effect; "constructor" and "prototype" are dropped like it', async (t) => {
  const gh = await setup(t)
  const policyId = `p-${uid()}`
  const policy = await gh.admin('POST', '/tyk/policies', undefined, {
    rawBody: `{"id":"${policyId}","org_id":"acme","rate":10,"per":1,"quota_max":-1,"access_rights":${RIGHT_A},"__proto__":{"is_inactive":true,"access_rights":${RIGHT_B}},"constructor":{"prototype":{"is_inactive":true}},"prototype":1,"x_kept":1}`
  })
  assert.equal(policy.status, 200, policy.text)
  const read = (await gh.admin('GET', `/tyk/policies/${policyId}`)).json as Record<string, unknown>
  assert.equal(read.is_inactive, false)
  assert.deepEqual(Object.keys(read.access_rights as object), ['a'])
  assert.equal(read.x_kept, 1, 'an unknown field is kept, as always')
  for (const name of ['__proto__', 'constructor', 'prototype']) assert.equal(Object.hasOwn(read, name), false, name)

  const created = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', apply_policies: [policyId] })
  assert.equal(created.status, 200, created.text)
  const key = (created.json as { key: string }).key
  assert.equal(await status(gh, '/a/', key), 200)
  assert.equal(await status(gh, '/b/', key), 403)

  const org = await gh.admin('POST', '/tyk/org/keys/acme', undefined, { rawBody: '{"org_id":"acme","__proto__":{"is_inactive":true}}' })
  assert.equal(org.status, 200, org.text)
  assert.equal(((await gh.admin('GET', '/tyk/org/keys/acme')).json as { is_inactive: boolean }).is_inactive, false)
  assert.equal(await status(gh, '/a/', key), 200, 'the org is not disabled')
})

const DEEP_ARRAY = '['.repeat(5000) + ']'.repeat(5000)
const deepObject = (levels: number): string => '{"x":'.repeat(levels) + '1' + '}'.repeat(levels)

test('issue 15: JSON nested thousands of levels deep is 400 "Request malformed" on every route, never 500', async (t) => {
  const gh = await setup(t)
  const detail = 'JSON nested deeper than 64 levels'
  const cases: Array<[method: string, path: string, body: string, message: string]> = [
    ['POST', '/tyk/keys/create', `{"org_id":"acme","access_rights":${RIGHT_A},"meta_data":${deepObject(50_000)}}`, 'Unmarshalling failed'],
    ['POST', '/tyk/keys/create', DEEP_ARRAY, 'Unmarshalling failed'],
    ['PUT', `/tyk/keys/${uid()}${uid()}`, `{"org_id":"acme","access_rights":${RIGHT_A},"tags":${DEEP_ARRAY}}`, 'Request malformed'],
    ['POST', '/tyk/policies', `{"id":"p${uid()}","access_rights":${RIGHT_A},"meta_data":${deepObject(5000)}}`, 'Request malformed'],
    ['POST', '/tyk/org/keys/acme', deepObject(5000), 'Request malformed'],
    ['POST', '/tyk/apis', `{"api_id":"c","name":"c","proxy":{"listen_path":"/c/","target_url":"http://127.0.0.1:1"},"config_data":${deepObject(5000)}}`, 'Request malformed']
  ]
  for (const [method, path, body, message] of cases) {
    const res = await gh.admin(method, path, undefined, { rawBody: body })
    assert.equal(res.status, 400, `${method} ${path}: ${res.text.slice(0, 200)}`)
    assert.deepEqual(res.json, { status: 'error', message, detail }, `${method} ${path}`)
  }
  // 64 levels are fine: the limit is on what comes beyond
  const atLimit = await gh.admin('POST', '/tyk/keys/create', undefined, { rawBody: `{"org_id":"acme","access_rights":${RIGHT_A},"meta_data":${deepObject(63)}}` })
  assert.equal(atLimit.status, 200, atLimit.text)
  assert.equal((await gh.admin('GET', '/hello')).status, 200, 'the process keeps serving')
})

test('issue 15: apps/*.json and policies.json get the same treatment: "__proto__" ignored, too deep skipped with a warning', async (t) => {
  const upstream = await startEchoUpstream()
  const dir = tempDir()
  const apps = join(dir, 'apps')
  writeJson(apps, 'a.json', anApi({ api_id: 'a', org_id: 'acme', listen_path: '/a/', target: upstream.url }))
  const keyed = JSON.stringify(anApi({ api_id: 'b', org_id: 'acme', listen_path: '/b/', target: upstream.url })).replace('"use_keyless":false,', '"__proto__":{"use_keyless":true},')
  writeFileSync(join(apps, 'b.json'), keyed)
  writeFileSync(join(apps, 'deep.json'), JSON.stringify(anApi({ api_id: 'd', listen_path: '/d/', target: upstream.url })).replace('{', `{"config_data":${deepObject(5000)},`))
  const policies = join(dir, 'policies.json')
  writeFileSync(policies, `{"p":{"org_id":"acme","rate":10,"per":1,"quota_max":-1,"__proto__":{"access_rights":${RIGHT_B}},"access_rights":${RIGHT_A}},"q":{"org_id":"acme","rate":10,"per":1,"quota_max":-1,"__proto__":{"access_rights":${RIGHT_B}}}}`)
  const warnings: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } })
  const gh = await startTestGatehouse({ app_path: apps, policies: { policy_source: 'file', policy_record_name: policies, policy_path: '', allow_explicit_policy_id: true } }, { logger })
  t.after(async () => { await gh.close(); await upstream.close() })

  assert.equal(await status(gh, '/b/', ''), 401, '"__proto__" did not make the API keyless')
  assert.equal(await status(gh, '/d/', ''), 404, 'the API nested too deep is not loaded')
  assert.equal(await status(gh, '/a/', ''), 401, 'the others are')
  assert.ok(warnings.some((line) => line.includes('deep.json') && line.includes('JSON nested deeper than 64 levels')), warnings.join(''))
  const created = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', apply_policies: ['p'] })
  assert.equal(created.status, 200, created.text)
  const key = (created.json as { key: string }).key
  assert.equal(await status(gh, '/a/', key), 200)
  assert.equal(await status(gh, '/b/', key), 403, 'policy p: "__proto__" granted nothing')
  const bare = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', apply_policies: ['q'] })
  assert.deepEqual(bare.json, { status: 'error', message: 'Failed to create key - key has no valid policies to be applied' }, 'policy q: no rights of its own, none from "__proto__"')
})
