import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { tykFixture } from '../helpers/fixtures.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'

interface Setup { gh: TestGatehouse, upstream: EchoUpstream, dir: string }

async function setup (t: { after: (fn: () => Promise<void>) => void }, policies: Record<string, unknown> = {}, dataDir?: string): Promise<Setup> {
  const upstream = await startEchoUpstream()
  const dir = dataDir ?? tempDir()
  writeJson(join(dir, 'apps'), 'test.json', anApi({ api_id: 'test', listen_path: '/sample/', target: upstream.url }))
  writeJson(join(dir, 'apps'), 'api2.json', anApi({ api_id: 'api2', listen_path: '/two/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: join(dir, 'apps'), policies: { policy_source: 'file', policy_record_name: '', policy_path: '', allow_explicit_policy_id: true, ...policies } }, { dataDir: join(dir, 'data') })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh, upstream, dir }
}

const policyBody = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  org_id: 'default',
  rate: 1000,
  per: 1,
  quota_max: 5,
  quota_renewal_rate: 60,
  access_rights: { test: { api_id: 'test', versions: ['Default'] } },
  ...extra
})

const get = async (gh: TestGatehouse, path: string, key: string): Promise<number> =>
  (await fetch(gh.url + path, { headers: { authorization: key } })).status

test('POST, GET, PUT, DELETE /tyk/policies with Tyk\'s answers; writes are live at once', async (t) => {
  const { gh } = await setup(t)
  assert.deepEqual((await gh.admin('GET', '/tyk/policies')).json, [])
  const missing = await gh.admin('GET', '/tyk/policies/not-here')
  assert.equal(missing.status, 404)
  assert.deepEqual(missing.json, { status: 'error', message: 'Policy not found' })

  const created = await gh.admin('POST', '/tyk/policies/default-test', { ID: 'default-test', org_id: 'default', rate: 5, per: 1, access_rights: { test: { api_id: 'test' } } })
  assert.deepEqual(created.json, { key: 'default-test', status: 'ok', action: 'added' })
  const got = (await gh.admin('GET', '/tyk/policies/default-test')).json as Record<string, unknown>
  assert.equal(got.rate, 5, 'live without a reload (Tyk needs one; issue #5 does not)')
  assert.deepEqual(Object.keys(got).slice(0, 6), ['_id', 'id', 'name', 'org_id', 'rate', 'per'], 'Tyk\'s field order')
  assert.deepEqual(got.partitions, { quota: false, rate_limit: false, complexity: false, acl: false, per_api: false })

  assert.deepEqual((await gh.admin('PUT', '/tyk/policies/default-test', { id: 'default-test', org_id: 'default', rate: 9, per: 1 })).json, { key: 'default-test', status: 'ok', action: 'modified' })
  assert.equal(((await gh.admin('GET', '/tyk/policies/default-test')).json as { rate: number }).rate, 9)
  assert.equal(((await gh.admin('GET', '/tyk/policies')).json as unknown[]).length, 1)
  assert.deepEqual((await gh.admin('DELETE', '/tyk/policies/default-test')).json, { key: 'default-test', status: 'ok', action: 'deleted' })
  assert.equal((await gh.admin('GET', '/tyk/policies/default-test')).status, 404)
})

test('bad policy writes get Tyk\'s errors, in Tyk\'s order, and write nothing', async (t) => {
  const { gh } = await setup(t)
  const cases: Array<[method: string, path: string, body: unknown, status: number, message: string]> = [
    ['POST', '/tyk/policies', {}, 400, 'Unable to create policy without id.'],
    ['POST', '/tyk/policies', { _id: 'invalid' }, 400, 'Request malformed'],
    ['POST', '/tyk/policies', { id: 'invalid/id' }, 400, 'Invalid Policy ID: Allowed characters: a-z, A-Z, 0-9, ., _, -, ~'],
    ['PUT', '/tyk/policies/valid-id', { id: 'invalid/id' }, 400, 'Invalid Policy ID: Allowed characters: a-z, A-Z, 0-9, ., _, -, ~'],
    ['PUT', '/tyk/policies/valid-id', { id: 'other-id' }, 400, 'Request ID does not match that in policy! For Update operations these must match.'],
    ['PUT', '/tyk/policies/valid-id', {}, 400, 'Request ID does not match that in policy! For Update operations these must match.'],
    ['POST', '/tyk/policies', { id: 'p', rate: 'fast' }, 400, 'Request malformed'],
    ['POST', '/tyk/policies', { id: 'p', quota_max: 1.5 }, 400, 'Request malformed'],
    ['PUT', '/tyk/policies', { id: 'p' }, 400, 'Must specify an apiID to update'],
    ['DELETE', '/tyk/policies', undefined, 400, 'Must specify an apiID to delete'],
    ['DELETE', '/tyk/policies/never-written', undefined, 500, 'Delete failed']
  ]
  for (const [method, path, body, status, message] of cases) {
    const res = await gh.admin(method, path, body)
    assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`)
    assert.equal((res.json as { message: string }).message, message)
  }
  const raw = await gh.admin('POST', '/tyk/policies', undefined, { rawBody: '{' })
  assert.deepEqual([raw.status, (raw.json as { message: string }).message], [400, 'Request malformed'])
  assert.deepEqual((await gh.admin('GET', '/tyk/policies')).json, [])
  const viaObjectId = await gh.admin('POST', '/tyk/policies', { _id: '5ead7120575961000181867e', org_id: 'default' })
  assert.deepEqual(viaObjectId.json, { key: '5ead7120575961000181867e', status: 'ok', action: 'added' }, 'a valid _id stands in for the id')
})

test('editing a policy changes every key that uses it on the very next request', async (t) => {
  const { gh } = await setup(t)
  await gh.admin('POST', '/tyk/policies', policyBody('live'))
  const key = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', apply_policies: ['live'] })).json as { key: string }).key
  assert.equal(await get(gh, '/sample/', key), 200)
  assert.equal(await get(gh, '/two/', key), 403)
  await gh.admin('PUT', '/tyk/policies/live', policyBody('live', { access_rights: { api2: { api_id: 'api2', versions: ['Default'] } } }))
  assert.equal(await get(gh, '/sample/', key), 403, 'access removed at once')
  assert.equal(await get(gh, '/two/', key), 200, 'access granted at once')
  await gh.admin('PUT', '/tyk/policies/live', policyBody('live', { is_inactive: true }))
  const inactive = await fetch(gh.url + '/sample/', { headers: { authorization: key } })
  assert.equal(inactive.status, 403)
  assert.deepEqual(await inactive.json(), { error: 'Key is inactive, please renew' })
  await gh.admin('DELETE', '/tyk/policies/live')
  assert.equal(await get(gh, '/sample/', key), 403, 'a key whose only policy is gone is refused')
})

test('a key of several policies keeps the APIs of the others when one is deleted (spec case 60)', async (t) => {
  const { gh } = await setup(t)
  await gh.admin('POST', '/tyk/policies', policyBody('p-test'))
  await gh.admin('POST', '/tyk/policies', policyBody('p-two', { access_rights: { api2: { api_id: 'api2', versions: ['Default'] } } }))
  const key = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', apply_policies: ['p-test', 'p-two'] })).json as { key: string }).key
  assert.deepEqual([await get(gh, '/sample/', key), await get(gh, '/two/', key)], [200, 200])
  await gh.admin('DELETE', '/tyk/policies/p-two')
  assert.deepEqual([await get(gh, '/sample/', key), await get(gh, '/two/', key)], [200, 403])
  await gh.admin('DELETE', '/tyk/policies/p-test')
  assert.deepEqual([await get(gh, '/sample/', key), await get(gh, '/two/', key)], [403, 403], 'never keyless')
})

test('seed: key_expires_in makes trial keys; keys read back with the policy\'s values', async (t) => {
  const { gh } = await setup(t)
  await gh.admin('POST', '/tyk/policies', policyBody('trial', { key_expires_in: 50000, tags: ['trial'] }))
  const before = Math.floor(Date.now() / 1000)
  const key = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', apply_policies: ['trial'], rate: 1 })).json as { key: string }).key
  const session = (await gh.admin('GET', `/tyk/keys/${key}`)).json as { expires: number, rate: number, quota_max: number, tags: string[] }
  assert.ok(session.expires >= before + 50000 && session.expires <= before + 50002, `expires ${session.expires}`)
  assert.equal(session.rate, 1000, 'the policy overrides the key\'s own rate on every load')
  assert.equal(session.quota_max, 5)
  assert.deepEqual(session.tags, ['trial'])
  // an update does not restart the trial
  await gh.admin('PUT', `/tyk/keys/${key}`, { org_id: 'default', apply_policies: ['trial'], expires: session.expires })
  assert.equal(((await gh.admin('GET', `/tyk/keys/${key}`)).json as { expires: number }).expires, session.expires)
})

test('keys with a missing single policy or a policy of another org are refused on create', async (t) => {
  const { gh } = await setup(t)
  await gh.admin('POST', '/tyk/policies', policyBody('org2-policy', { org_id: 'org2' }))
  const missing = await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', apply_policies: ['xyz_policy'] })
  assert.equal(missing.status, 500)
  assert.equal((missing.json as { message: string }).message, 'Failed to create key - policy not found: "xyz_policy"')
  const otherOrg = await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', apply_policies: ['org2-policy'] })
  assert.equal(otherOrg.status, 500, 'policies are looked up in the key\'s org')
  const wrongApiOrg = await gh.admin('POST', '/tyk/keys/create', { org_id: 'org2', apply_policies: ['org2-policy'] })
  assert.equal(wrongApiOrg.status, 500)
  assert.equal((wrongApiOrg.json as { message: string }).message, 'Failed to create key - attempting to apply policy from different organisation to key, skipping')
})

test('policy_path: writes are <id>.json files, and files edited by hand load on reload', async (t) => {
  const dir = tempDir()
  const folder = join(dir, 'policies')
  writeJson(folder, 'seeded.json', policyBody('seeded'))
  const { gh } = await setup(t, { policy_path: folder }, dir)
  assert.equal(((await gh.admin('GET', '/tyk/policies/seeded')).json as { rate: number }).rate, 1000)
  await gh.admin('POST', '/tyk/policies', policyBody('written'))
  const file = JSON.parse(readFileSync(join(folder, 'written.json'), 'utf8')) as { id: string, rate: number }
  assert.deepEqual([file.id, file.rate], ['written', 1000])
  writeJson(folder, 'seeded.json', policyBody('seeded', { rate: 3 }))
  writeFileSync(join(folder, 'broken.json'), '{ nope')
  await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(((await gh.admin('GET', '/tyk/policies/seeded')).json as { rate: number }).rate, 3)
  assert.equal((await gh.admin('GET', '/tyk/policies/written')).status, 200, 'a bad file never takes the others down')
  await gh.admin('DELETE', '/tyk/policies/written')
  assert.equal(existsSync(join(folder, 'written.json')), false)
})

test('the fixture policies.json loads as it is (spec case 61); a broken record keeps the old set', async (t) => {
  const dir = tempDir()
  const record = join(dir, 'policies.json')
  writeFileSync(record, readFileSync(tykFixture('tyk/policies/policies.json')))
  const { gh } = await setup(t, { policy_record_name: record }, dir)
  const policy = (await gh.admin('GET', '/tyk/policies/default')).json as { id: string, org_id: string, rate: number, quota_max: number }
  assert.deepEqual([policy.id, policy.org_id, policy.rate, policy.quota_max], ['default', '54de205930c55e15bd000001', 1000, 100])
  writeFileSync(record, '{ broken')
  // issue 15: the blocking reload says it failed, naming the file (Tyk answers ok regardless)
  const reloaded = await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(reloaded.status, 500)
  assert.match((reloaded.json as { message: string }).message, new RegExp(`^Reload failed, the previous APIs and policies stay live: policies: ${record.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`))
  assert.equal((await gh.admin('GET', '/tyk/policies/default')).status, 200, 'the previous set stays in force')
})

test('API-written policies survive a restart', async (t) => {
  const dir = tempDir()
  const first = await setup(t, {}, dir)
  await first.gh.admin('POST', '/tyk/policies', policyBody('durable', { tags: ['kept'] }))
  await first.gh.close()
  const second = await setup(t, {}, dir)
  assert.deepEqual(((await second.gh.admin('GET', '/tyk/policies/durable')).json as { tags: string[] }).tags, ['kept'])
})
