import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'

interface Setup { gh: TestGatehouse, upstream: EchoUpstream, apps: string }

async function setup (t: { after: (fn: () => Promise<void>) => void }): Promise<Setup> {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a1.json', anApi({ api_id: 'a1', org_id: 'acme', listen_path: '/a1/', target: upstream.url }))
  writeJson(apps, 'a2.json', anApi({ api_id: 'a2', org_id: 'acme', listen_path: '/a2/', target: upstream.url }))
  writeJson(apps, 'b1.json', anApi({ api_id: 'b1', org_id: 'other', listen_path: '/b1/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh, upstream, apps }
}

async function status (gh: TestGatehouse, path: string, key: string): Promise<number> {
  const res = await fetch(gh.url + path, { headers: { authorization: key } })
  await res.arrayBuffer()
  return res.status
}

const ORG_WIDE = {
  id: 'acme-all',
  org_id: 'acme',
  org_wide: true,
  rate: 100,
  per: 1,
  quota_max: 50,
  quota_renewal_rate: 3600,
  // an explicit entry still narrows one API: only GET /only on a2
  access_rights: { a2: { api_id: 'a2', versions: ['Default'], allowed_urls: [{ url: '^/a2/only', methods: ['GET'] }] } }
}

test('forum: an org-wide policy reaches every API of its org, APIs added later included, never another org\'s', async (t) => {
  const { gh, upstream, apps } = await setup(t)
  assert.equal((await gh.admin('POST', '/tyk/policies', ORG_WIDE)).status, 200)
  const created = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', apply_policies: ['acme-all'], access_rights: {} })
  assert.equal(created.status, 200, created.text)
  const key = (created.json as { key: string }).key

  assert.equal(await status(gh, '/a1/anything', key), 200, 'an API of the org, not named anywhere')
  assert.equal(await status(gh, '/a2/only', key), 200, 'the explicit entry allows GET /only')
  assert.equal(await status(gh, '/a2/other', key), 403, 'the explicit entry still limits a2\'s URLs')
  assert.equal(await status(gh, '/b1/', key), 403, 'another org\'s API stays closed')

  writeJson(apps, 'a3.json', anApi({ api_id: 'a3', org_id: 'acme', listen_path: '/a3/', target: upstream.url }))
  await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(await status(gh, '/a3/', key), 200, 'an API added later: no key was touched')

  const read = (await gh.admin('GET', `/tyk/keys/${key}`)).json as { access_rights: Record<string, unknown>, quota_max: number }
  assert.deepEqual(Object.keys(read.access_rights).sort(), ['a1', 'a2', 'a3'])
  assert.equal(read.quota_max, 50)

  await gh.admin('PUT', '/tyk/policies/acme-all', { ...ORG_WIDE, org_wide: false })
  assert.equal(await status(gh, '/a1/', key), 403, 'turning org_wide off takes the grant back at once')
  assert.equal(await status(gh, '/a2/only', key), 200)
})

test('org-wide quotas are shared across the org\'s APIs, as any policy\'s are', async (t) => {
  const { gh } = await setup(t)
  await gh.admin('POST', '/tyk/policies', { ...ORG_WIDE, quota_max: 2, access_rights: {} })
  const key = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', apply_policies: ['acme-all'], access_rights: {} })).json as { key: string }).key
  assert.equal(await status(gh, '/a1/', key), 200)
  assert.equal(await status(gh, '/a2/', key), 200)
  assert.equal(await status(gh, '/a1/', key), 403, 'quota of 2 spent across a1 and a2')
})

test('an org\'s default_policies apply to its keys, live, without touching them', async (t) => {
  const { gh } = await setup(t)
  await gh.admin('POST', '/tyk/policies', ORG_WIDE)
  await gh.admin('POST', '/tyk/policies', { id: 'extra-tag', org_id: 'acme', rate: 5, per: 1, tags: ['from-default'], access_rights: { a2: { api_id: 'a2', versions: ['Default'] } } })
  const refused = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', access_rights: {} })
  assert.equal(refused.status, 400, 'no rights and no defaults yet: refused like any master key')

  assert.equal((await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', default_policies: ['acme-all'] })).status, 200)
  const created = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', access_rights: {} })
  assert.equal(created.status, 200, created.text)
  const key = (created.json as { key: string }).key
  assert.equal(await status(gh, '/a1/', key), 200, 'the default policy grants the org\'s APIs')
  assert.equal(await status(gh, '/b1/', key), 403)

  const ownRights = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', access_rights: { a2: { api_id: 'a2', versions: ['Default'] } } })).json as { key: string }).key
  assert.equal(await status(gh, '/a2/', ownRights), 200)
  assert.equal(await status(gh, '/a1/', ownRights), 200, 'issue 15: a key with rights of its own and no policy gets the defaults\' APIs too')

  const other = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'other', access_rights: { b1: { api_id: 'b1', versions: ['Default'] } } })).json as { key: string }).key
  assert.equal(await status(gh, '/b1/', other), 200)
  assert.equal(await status(gh, '/a1/', other), 403, 'another org\'s defaults do not apply')

  await gh.admin('PUT', '/tyk/org/keys/acme', { org_id: 'acme', default_policies: ['acme-all', 'extra-tag'] })
  const read = (await gh.admin('GET', `/tyk/keys/${key}`)).json as { tags: string[], apply_policies: string[] }
  assert.deepEqual(read.apply_policies, ['acme-all', 'extra-tag'], 'a new default shows at once')
  assert.ok(read.tags.includes('from-default'))
  await gh.admin('PUT', '/tyk/org/keys/acme', { org_id: 'acme', default_policies: [] })
  assert.equal(await status(gh, '/a1/', key), 403, 'defaults removed: the key has nothing left')
})

interface Explained {
  policies: Array<{ id: string, via: string, found: boolean }>
  is_inactive: { value: boolean, source: string }
  apis: Array<{ api_id: string, accepted: boolean, access: { source: string, policy_id?: string, via?: string }, quota: { quota_max: number, source: string, policy_id?: string, via?: string, counter: { scope: string } } }>
}

test('issue 15: org default_policies add to a key\'s own access rights (union), with real traffic; explain, search, listing and preview agree', async (t) => {
  const { gh } = await setup(t)
  // the default grants a2, and a1 too: the key's own a1 entry (its own limits) wins there
  const defaultPolicy = { id: 'acme-basic', org_id: 'acme', rate: 100, per: 1, quota_max: 2, quota_renewal_rate: 3600, access_rights: { a1: { api_id: 'a1', versions: ['Default'] }, a2: { api_id: 'a2', versions: ['Default'] } } }
  assert.equal((await gh.admin('POST', '/tyk/policies', defaultPolicy)).status, 200)
  const own = { a1: { api_id: 'a1', versions: ['Default'] }, b1: { api_id: 'b1', versions: ['Default'] } }
  const created = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', quota_max: 4, quota_renewal_rate: 3600, access_rights: own })
  assert.equal(created.status, 200, created.text)
  const { key, key_hash: keyHash } = created.json as { key: string, key_hash: string }
  const inactive = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', is_inactive: true, access_rights: own })).json as { key: string }).key
  assert.equal(await status(gh, '/a2/', key), 403, 'no defaults yet: only its own APIs')

  assert.equal((await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', default_policies: ['acme-basic'] })).status, 200)
  // the key's own quota of 4 is shared by its own a1 and b1 (key level), as without defaults
  assert.equal(await status(gh, '/a1/', key), 200, 'its own API (own quota: 1 of 4)')
  assert.equal(await status(gh, '/a2/', key), 200, 'the default policy\'s API, live, no key touched')
  assert.equal(await status(gh, '/b1/', key), 200, 'its own API of another org stays open, the defaults add nothing there (own quota: 2 of 4)')
  assert.equal(await status(gh, '/a2/', key), 200)
  assert.equal(await status(gh, '/a2/', key), 403, 'the default policy\'s quota of 2, on its own counter')
  assert.equal(await status(gh, '/a1/', key), 200, 'own quota: 3 of 4, untouched by a2\'s traffic')
  assert.equal(await status(gh, '/a1/', key), 200)
  assert.equal(await status(gh, '/a1/', key), 403, 'the key\'s own quota of 4 on a1, not the default\'s 2')
  assert.equal(await status(gh, '/a2/', inactive), 403, 'a key inactive of its own stays inactive')

  const read = (await gh.admin('GET', `/tyk/keys/${key}`)).json as { access_rights: Record<string, { allowance_scope?: string, limit?: { quota_max?: number } }>, apply_policies: string[], quota_max: number }
  assert.deepEqual(Object.keys(read.access_rights).sort(), ['a1', 'a2', 'b1'])
  assert.deepEqual(read.apply_policies, [], 'the defaults are not written into the key\'s own policy list')
  assert.equal(read.quota_max, 4)
  assert.equal(read.access_rights.a2?.limit?.quota_max, 2)
  assert.equal(read.access_rights.a2?.allowance_scope, 'acme-basic')

  const explained = (await gh.admin('GET', `/tyk/keys/${key}/explain`)).json as Explained
  assert.deepEqual(explained.policies.map(({ id, via, found }) => ({ id, via, found })), [{ id: 'acme-basic', via: 'org_default_policies', found: true }])
  const api = (apiId: string): Explained['apis'][number] | undefined => explained.apis.find((entry) => entry.api_id === apiId)
  assert.equal(api('a1')?.access.source, 'key')
  assert.equal(api('a1')?.quota.source, 'key')
  assert.equal(api('a1')?.quota.quota_max, 4)
  assert.deepEqual(api('a2')?.access, { ...api('a2')?.access, source: 'policy', policy_id: 'acme-basic', via: 'org_default_policies' })
  assert.deepEqual([api('a2')?.quota.source, api('a2')?.quota.policy_id, api('a2')?.quota.via, api('a2')?.quota.quota_max, api('a2')?.quota.counter.scope], ['policy', 'acme-basic', 'org_default_policies', 2, 'acme-basic'])
  assert.equal(api('b1')?.access.source, 'key')
  assert.equal(api('b1')?.accepted, true)
  assert.equal(explained.is_inactive.value, false)

  const listed = async (query: string): Promise<string[]> => ((await gh.admin('GET', `/tyk/keys?${query}`)).json as { keys: string[] }).keys
  assert.ok((await listed('api_id=a2')).includes(keyHash), 'the bare listing counts the default')
  assert.ok((await listed('api_id=a2&limit=100')).includes(keyHash), 'and so does search')
  const preview = (await gh.admin('POST', '/tyk/policies/acme-basic/preview', { ...defaultPolicy, access_rights: { a1: defaultPolicy.access_rights.a1 } })).json as { lost_access: Array<{ key: string, apis: string[] }> }
  assert.deepEqual(preview.lost_access.find((entry) => entry.key === keyHash)?.apis, ['a2'], 'preview: dropping a2 from the default takes it from this key, and only it')

  await gh.admin('PUT', '/tyk/org/keys/acme', { org_id: 'acme', default_policies: [] })
  assert.equal(await status(gh, '/a2/', key), 403, 'defaults removed: back to its own rights')
  assert.equal(await status(gh, '/b1/', key), 403, 'own quota spent')
})

test('bad org_wide and default_policies values are refused with a clear error', async (t) => {
  const { gh } = await setup(t)
  const policy = await gh.admin('POST', '/tyk/policies', { ...ORG_WIDE, org_wide: 'yes' })
  assert.equal(policy.status, 400)
  assert.match((policy.json as { detail: string }).detail, /org_wide/)
  const org = await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', default_policies: 'acme-all' })
  assert.equal(org.status, 400)
  assert.match((org.json as { detail: string }).detail, /default_policies/)
})

test('a key with no access rights calls every API only when allow_master_keys is on', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a1.json', anApi({ api_id: 'a1', org_id: 'acme', listen_path: '/a1/', target: upstream.url }))
  const dataDir = join(tempDir(), 'data')
  const open = await startTestGatehouse({ app_path: apps, allow_master_keys: true }, { dataDir })
  t.after(async () => { await open.close(); await upstream.close() })
  assert.equal((await open.admin('POST', '/tyk/keys/master-key-1', { org_id: '', access_rights: {} })).status, 200)
  assert.equal(await status(open, '/a1/', 'master-key-1'), 200)
  await open.close()
  const closed = await startTestGatehouse({ app_path: apps, allow_master_keys: false }, { dataDir })
  t.after(async () => { await closed.close() })
  assert.equal(await status(closed, '/a1/', 'master-key-1'), 403, 'the same stored key, master keys now off')
})

test('forum thread end to end, hashing on: one org-wide policy per org, an API added later, keys listed by org and by policy, explained', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a1.json', anApi({ api_id: 'a1', org_id: 'acme', listen_path: '/a1/', target: upstream.url }))
  writeJson(apps, 'b1.json', anApi({ api_id: 'b1', org_id: 'other', listen_path: '/b1/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps, hash_keys: true, enable_hashed_keys_listing: true })
  t.after(async () => { await gh.close(); await upstream.close() })
  for (const [org, id] of [['acme', 'acme-policy'], ['other', 'other-policy']]) {
    assert.equal((await gh.admin('POST', '/tyk/policies', { id, org_id: org, org_wide: true, rate: 100, per: 1, quota_max: -1, access_rights: {} })).status, 200)
  }
  const create = async (org: string, policy: string): Promise<{ key: string, key_hash: string }> => {
    const res = await gh.admin('POST', '/tyk/keys/create', { org_id: org, apply_policies: [policy], access_rights: {} })
    assert.equal(res.status, 200, res.text)
    return res.json as { key: string, key_hash: string }
  }
  const acme = [await create('acme', 'acme-policy'), await create('acme', 'acme-policy')]
  const other = await create('other', 'other-policy')

  writeJson(apps, 'a2.json', anApi({ api_id: 'a2', org_id: 'acme', listen_path: '/a2/', target: upstream.url }))
  await gh.admin('GET', '/tyk/reload?block=true')
  for (const key of acme) {
    assert.equal(await status(gh, '/a2/', key.key), 200, 'the API added later, no key touched')
    assert.equal(await status(gh, '/b1/', key.key), 403)
  }
  assert.equal(await status(gh, '/b1/', other.key), 200)
  assert.equal(await status(gh, '/a2/', other.key), 403)

  const list = async (query: string): Promise<string[]> => {
    const res = await gh.admin('GET', `/tyk/keys?${query}`)
    assert.equal(res.status, 200, res.text)
    return (res.json as { keys: string[] }).keys
  }
  const acmeHashes = acme.map((key) => key.key_hash).sort()
  assert.deepEqual(await list('org_id=acme'), acmeHashes, 'hashes, listed by org')
  assert.deepEqual(await list('policy_id=acme-policy'), acmeHashes, 'and by policy')
  assert.deepEqual(await list('api_id=a2&org_id=acme'), acmeHashes, 'and by "can call the new API"')
  assert.deepEqual(await list('policy_id=other-policy'), [other.key_hash])

  const explained = (await gh.admin('GET', `/tyk/keys/${acme[0]?.key_hash ?? ''}/explain?hashed=true`)).json as { apis: Array<{ api_id: string, access: { granted_by: Array<{ policy_id: string, org_wide: boolean }> } }> }
  assert.deepEqual(explained.apis.find((api) => api.api_id === 'a2')?.access.granted_by, [{ policy_id: 'acme-policy', via: 'apply_policies', org_wide: true }])
})
