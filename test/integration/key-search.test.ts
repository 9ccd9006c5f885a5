import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

const NOW_S = Math.floor(Date.now() / 1000)
const rights = (...apis: string[]): Record<string, unknown> => Object.fromEntries(apis.map((api) => [api, { api_id: api, versions: ['Default'] }]))

interface Fixture { gh: TestGatehouse, hash: Record<string, string>, token: Record<string, string> }

async function fixture (t: { after: (fn: () => Promise<void>) => void }, overrides: Record<string, unknown> = {}): Promise<Fixture> {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a1.json', anApi({ api_id: 'a1', org_id: 'acme', listen_path: '/a1/', target: upstream.url }))
  writeJson(apps, 'a2.json', anApi({ api_id: 'a2', org_id: 'acme', listen_path: '/a2/', target: upstream.url }))
  writeJson(apps, 'b1.json', anApi({ api_id: 'b1', org_id: 'other', listen_path: '/b1/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps, ...overrides })
  t.after(async () => { await gh.close(); await upstream.close() })
  await gh.admin('POST', '/tyk/policies', { id: 'gold', org_id: 'acme', rate: 10, per: 1, access_rights: rights('a1') })
  await gh.admin('POST', '/tyk/policies', { id: 'acme-all', org_id: 'acme', org_wide: true, rate: 10, per: 1, access_rights: {} })
  await gh.admin('POST', '/tyk/policies', { id: 'frozen', org_id: 'acme', is_inactive: true, rate: 10, per: 1, access_rights: rights('a2') })
  const keys: Record<string, Record<string, unknown>> = {
    k1: { org_id: 'acme', apply_policies: ['gold'], tags: ['t1'] },
    k2: { org_id: 'acme', apply_policies: ['acme-all'], alias: 'second' },
    k3: { org_id: 'acme', access_rights: rights('a2'), expires: NOW_S + 100 },
    k4: { org_id: 'other', access_rights: rights('b1'), tags: ['t1'] },
    k5: { org_id: 'acme', apply_policies: ['frozen'] },
    k6: { org_id: 'acme', access_rights: rights('a1'), is_inactive: true }
  }
  const hash: Record<string, string> = {}
  const token: Record<string, string> = {}
  for (const [name, body] of Object.entries(keys)) {
    const res = await gh.admin('POST', '/tyk/keys/create', { access_rights: {}, ...body })
    assert.equal(res.status, 200, `${name}: ${res.text}`)
    const created = res.json as { key: string, key_hash?: string }
    token[name] = created.key
    hash[name] = created.key_hash ?? created.key
  }
  return { gh, hash, token }
}

async function search (gh: TestGatehouse, query: string): Promise<{ keys: string[], next_cursor: string }> {
  const res = await gh.admin('GET', `/tyk/keys?${query}`)
  assert.equal(res.status, 200, `${query}: ${res.text}`)
  return res.json as { keys: string[], next_cursor: string }
}

const sorted = (values: Array<string | undefined>): string[] => values.map((value) => value ?? '?').sort()

test('key search with hashing on: by org, policy, tag, alias, API, inactive and expiry, answering hashes', async (t) => {
  const { gh, hash } = await fixture(t)
  const expect = async (query: string, names: string[]): Promise<void> => {
    const page = await search(gh, query)
    assert.deepEqual(page.keys, sorted(names.map((name) => hash[name])), query)
    assert.equal(page.next_cursor, '', `${query}: one page holds everything`)
  }
  await expect('org_id=acme', ['k1', 'k2', 'k3', 'k5', 'k6'])
  await expect('org_id=other', ['k4'])
  await expect('policy_id=gold', ['k1'])
  await expect('tag=t1', ['k1', 'k4'])
  await expect('tag=t1&org_id=other', ['k4'])
  await expect('alias=second', ['k2'])
  await expect('api_id=a1&org_id=acme', ['k1', 'k2', 'k6'])
  await expect('api_id=a2&limit=50', ['k2', 'k3', 'k5'])
  await expect('api_id=b1&limit=50', ['k4'])
  await expect('inactive=true', ['k5', 'k6'])
  await expect('inactive=false&org_id=acme', ['k1', 'k2', 'k3'])
  await expect(`expires_before=${NOW_S + 1000}`, ['k3'])
  await expect(`expires_before=${new Date((NOW_S + 50) * 1000).toISOString()}`, [])
  await expect('org_id=nobody', [])

  const plain = (await gh.admin('GET', '/tyk/keys')).json as Record<string, unknown>
  assert.deepEqual(Object.keys(plain), ['keys'], 'plain listing keeps Tyk\'s shape')
  assert.equal((plain.keys as string[]).length, 6)
})

test('"can call this API" follows policy edits and org default policies, with no key touched', async (t) => {
  const { gh, hash } = await fixture(t)
  const callers = async (apiId: string): Promise<string[]> => (await search(gh, `api_id=${apiId}&limit=1000`)).keys
  assert.deepEqual(await callers('a2'), sorted([hash.k2, hash.k3, hash.k5]))
  await gh.admin('PUT', '/tyk/policies/gold', { id: 'gold', org_id: 'acme', rate: 10, per: 1, access_rights: rights('a1', 'a2', 'b1') })
  assert.deepEqual(await callers('a2'), sorted([hash.k1, hash.k2, hash.k3, hash.k5]), 'a policy now naming a2 brings its keys along')
  assert.deepEqual(await callers('b1'), [hash.k4], 'an acme policy naming another org\'s API grants nothing there (Tyk\'s org check)')

  const bare = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', apply_policies: ['frozen'], access_rights: {} })).json as { key_hash: string }).key_hash
  await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', default_policies: ['gold'] })
  const a1 = (await search(gh, 'api_id=a1&limit=100')).keys
  assert.ok(a1.includes(bare), 'a key of the org reaches a1 through the org\'s default policy')
  assert.ok(a1.includes(hash.k3 ?? ''), 'issue 15: a key with rights of its own and no policy gets the default\'s APIs beside them')
})

test('issue 15: a bare GET /tyk/keys?api_id= lists every key that can call the API now, exactly as search does, in Tyk\'s shape', async (t) => {
  const { gh, hash } = await fixture(t)
  const bare = async (query: string): Promise<string[]> => {
    const res = await gh.admin('GET', `/tyk/keys?${query}`)
    assert.equal(res.status, 200, `${query}: ${res.text}`)
    assert.deepEqual(Object.keys(res.json as object), ['keys'], 'Tyk\'s listing shape, no cursor')
    return (res.json as { keys: string[] }).keys
  }
  // through a policy (k1), an org-wide policy (k2), own rights (k3, k6 inactive still listed as search lists it), an inactive policy (k5)
  assert.deepEqual(await bare('api_id=a1'), sorted([hash.k1, hash.k2, hash.k6]))
  assert.deepEqual(await bare('api_id=a2'), sorted([hash.k2, hash.k3, hash.k5]))
  for (const apiId of ['a1', 'a2', 'b1', 'unknown']) {
    assert.deepEqual(await bare(`api_id=${apiId}`), (await search(gh, `api_id=${apiId}&limit=1000`)).keys, `${apiId}: the listing and search agree`)
  }
  const viaDefault = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', apply_policies: ['frozen'], access_rights: {} })).json as { key_hash: string }).key_hash
  assert.ok(!(await bare('api_id=a1')).includes(viaDefault))
  await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', default_policies: ['gold'] })
  assert.ok((await bare('api_id=a1')).includes(viaDefault), 'an org default policy counts, live')
})

test('issue 15: with hashing off, a bare api_id needs no filter, and filter still narrows by org prefix', async (t) => {
  const { gh, token } = await fixture(t, { hash_keys: false })
  const bare = async (query: string): Promise<unknown> => (await gh.admin('GET', `/tyk/keys?${query}`)).json
  assert.deepEqual(await bare('api_id=a1'), { keys: sorted([token.k1, token.k2, token.k6]) })
  assert.deepEqual(await bare('api_id=a1&filter=acme'), { keys: sorted([token.k1, token.k2, token.k6]) })
  assert.deepEqual(await bare('api_id=a1&filter=other'), { keys: [] })
  assert.deepEqual(await bare('api_id=b1&filter=other'), { keys: [token.k4] })
  const custom = await gh.admin('POST', '/tyk/keys/acmeCustom1', { org_id: '', access_rights: rights('a1') })
  assert.equal(custom.status, 200)
  assert.deepEqual(await bare('api_id=a1&filter=acme'), { keys: sorted([token.k1, token.k2, token.k6, 'acmeCustom1']) }, 'plain prefix and Base64 org prefix both count')
})

test('issue 15: the bare api_id listing answers every matching key, past the index chunk and the search\'s page bound', async (t) => {
  const { gh, hash } = await fixture(t)
  const made: string[] = []
  const total = 1_100
  for (let i = 0; i < total; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, total - i) }, async () => {
      const res = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', apply_policies: ['gold'], access_rights: {} })
      assert.equal(res.status, 200, res.text)
      return (res.json as { key_hash: string }).key_hash
    }))
    made.push(...batch)
  }
  const listed = ((await gh.admin('GET', '/tyk/keys?api_id=a1')).json as { keys: string[] }).keys
  assert.equal(listed.length, total + 3)
  assert.deepEqual(listed, sorted([...made, hash.k1, hash.k2, hash.k6]), 'each key once, in id order')
})

test('pages follow next_cursor to the end, each key once, in id order', async (t) => {
  const { gh } = await fixture(t)
  const made: string[] = []
  for (let i = 0; i < 25; i++) {
    const created = (await gh.admin('POST', '/tyk/keys/create', { org_id: 'bulk', tags: ['bulk'], access_rights: rights('a1') })).json as { key_hash: string }
    made.push(created.key_hash)
  }
  for (const filter of ['tag=bulk', 'org_id=bulk']) {
    const seen: string[] = []
    let cursor = ''
    let pages = 0
    do {
      const page = await search(gh, `${filter}&limit=10${cursor === '' ? '' : `&cursor=${cursor}`}`)
      assert.ok(page.keys.length <= 10)
      seen.push(...page.keys)
      cursor = page.next_cursor
      pages++
    } while (cursor !== '' && pages < 10)
    assert.deepEqual(seen, [...made].sort(), filter)
    assert.equal(pages, 3, filter)
  }
  const all = await search(gh, 'limit=1000')
  assert.equal(all.keys.length, 31, 'limit alone pages through every key')
})

test('key search refuses bad parameters, and obeys enable_hashed_keys_listing', async (t) => {
  const { gh } = await fixture(t)
  for (const query of ['inactive=maybe', 'limit=0', 'limit=1001', 'limit=ten', 'cursor=!!!', 'cursor=bm9wZQ', 'expires_before=soon']) {
    const res = await gh.admin('GET', `/tyk/keys?${query}`)
    assert.equal(res.status, 400, query)
    assert.equal((res.json as { message: string }).message, 'Request malformed', query)
  }
  const closed = await startTestGatehouse({ enable_hashed_keys_listing: false })
  t.after(() => closed.close())
  const res = await closed.admin('GET', '/tyk/keys?org_id=acme')
  assert.equal(res.status, 404)
  assert.match((res.json as { message: string }).message, /enable_hashed_keys_listing/)
})

test('with hashing off, search answers the keys themselves', async (t) => {
  const { gh, token } = await fixture(t, { hash_keys: false })
  assert.deepEqual((await search(gh, 'tag=t1')).keys, sorted([token.k1, token.k4]))
})
