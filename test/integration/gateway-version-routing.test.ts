import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

// Issue 15: the data plane routes by Tyk's versions as separate APIs (gateway/mw_version_check.go,
// ProcessRequest): a request to a base API's listen path naming a version is served by the
// version's API, its whole pipeline. The versions are made as a Tyk user makes them, through
// POST /tyk/apis?base_api_id=...&new_version_name=...

interface Seen {
  readonly status: number
  /** the path and query the upstream saw, or the gateway's error */
  readonly reached: string
  readonly versionHeader: string | undefined
}

async function call (gh: TestGatehouse, path: string, headers: Record<string, string> = {}): Promise<Seen> {
  const res = await fetch(gh.url + path, { headers })
  const body = await res.json() as { url?: string, error?: string, headers?: Record<string, string> }
  return { status: res.status, reached: body.url ?? body.error ?? '', versionHeader: body.headers?.['x-api-version'] }
}

async function addVersion (gh: TestGatehouse, query: string, definition: Record<string, unknown>): Promise<void> {
  const added = await gh.admin('POST', `/tyk/apis?${query}`, definition)
  assert.equal(added.status, 200, added.text)
  const reloaded = await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(reloaded.status, 200, reloaded.text)
}

async function editBase (gh: TestGatehouse, apiId: string, definition: Record<string, unknown>): Promise<void> {
  const current = (await gh.admin('GET', `/tyk/apis/${apiId}`)).json as { definition: Record<string, unknown> }
  const updated = await gh.admin('PUT', `/tyk/apis/${apiId}`, { ...current, definition: { ...current.definition, ...definition } })
  assert.equal(updated.status, 200, updated.text)
  assert.equal((await gh.admin('GET', '/tyk/reload?block=true')).status, 200)
}

test('issue 15: a version named in the header reaches its own API, with its auth and analytics; the base, unknown versions, fallback, set_default', async (t) => {
  const baseUpstream = await startEchoUpstream()
  const versionUpstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'base.json', anApi({ api_id: 'base', listen_path: '/base/', target: `${baseUpstream.url}/b`, keyless: true }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await baseUpstream.close(); await versionUpstream.close() })
  await addVersion(gh, 'base_api_id=base&base_api_version_name=v1&new_version_name=v2',
    anApi({ api_id: 'v2api', listen_path: '/v2api/', target: `${versionUpstream.url}/c` }))

  // the version's API is keyed while the base is keyless: its auth decides
  assert.deepEqual(await call(gh, '/base/items', { 'x-api-version': 'v2' }), { status: 401, reached: 'Authorization field missing', versionHeader: undefined })
  assert.equal(versionUpstream.hits(), 0)
  const key = ((await gh.admin('POST', '/tyk/keys/create', { access_rights: { v2api: { api_id: 'v2api' } } })).json as { key: string }).key
  assert.deepEqual(await call(gh, '/base/items?x=1', { 'x-api-version': 'v2', authorization: key }),
    { status: 200, reached: '/c/items?x=1', versionHeader: 'v2' }, 'the base listen path goes (it strips it); the header stays (no strip_versioning_data)')
  assert.equal(versionUpstream.hits(), 1)
  assert.equal(((await gh.admin('GET', '/tyk/analytics?api_id=v2api')).json as { total: number }).total, 2, 'recorded under the version\'s api_id')

  // the base serves its own name, "self", and no version at all (default "self")
  assert.equal((await call(gh, '/base/items', { 'x-api-version': 'v1' })).reached, '/b/items')
  assert.equal((await call(gh, '/base/items', { 'x-api-version': 'self' })).reached, '/b/items')
  assert.equal((await call(gh, '/base/items')).reached, '/b/items')
  assert.equal(((await gh.admin('GET', '/tyk/analytics?api_id=base')).json as { total: number }).total, 3)
  assert.deepEqual(await call(gh, '/base/items', { 'x-api-version': 'v9' }), { status: 404, reached: 'This API version does not seem to exist', versionHeader: undefined })
  assert.equal((await call(gh, '/v2api/direct', { authorization: key })).reached, '/c/direct', 'the version\'s own listen path still serves it')

  // fallback_to_default: an unknown version goes to the default, the base; strip_versioning_data drops the header
  await editBase(gh, 'base', { fallback_to_default: true, strip_versioning_data: true })
  assert.equal((await call(gh, '/base/items', { 'x-api-version': 'v9' })).reached, '/b/items')
  assert.deepEqual(await call(gh, '/base/items', { 'x-api-version': 'v2', authorization: key }), { status: 200, reached: '/c/items', versionHeader: undefined })

  // set_default=true: the new version is the default, for requests naming none and for the fallback
  await addVersion(gh, 'base_api_id=base&new_version_name=v3&set_default=true',
    anApi({ api_id: 'v3api', listen_path: '/v3api/', target: `${versionUpstream.url}/c3`, keyless: true }))
  assert.equal((await call(gh, '/base/items')).reached, '/c3/items')
  assert.equal((await call(gh, '/base/items', { 'x-api-version': 'v9' })).reached, '/c3/items')
  assert.equal((await call(gh, '/base/items', { 'x-api-version': 'v1' })).reached, '/b/items')

  // a default whose API is gone: Tyk answers 500 on the fallback, 404 without it
  assert.equal((await gh.admin('DELETE', '/tyk/apis/v2api')).status, 200)
  await editBase(gh, 'base', { default: 'v2' })
  assert.deepEqual(await call(gh, '/base/items', { 'x-api-version': 'v9' }), { status: 500, reached: 'Internal Server Error', versionHeader: undefined })
  await editBase(gh, 'base', { fallback_to_default: false })
  assert.deepEqual(await call(gh, '/base/items'), { status: 404, reached: 'This API version does not seem to exist', versionHeader: undefined })
})

test('issue 15: url versioning through a base API: /base/v2/... reaches the version, the segment stripped as Tyk does', async (t) => {
  const baseUpstream = await startEchoUpstream()
  const versionUpstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'ub.json', anApi({ api_id: 'ub', listen_path: '/ub/', target: `${baseUpstream.url}/b`, keyless: true, definition: { location: 'url', strip_versioning_data: true } }))
  // no stripping of the version, and the base keeps its listen path: the version's API sees both
  writeJson(apps, 'uk.json', anApi({ api_id: 'uk', listen_path: '/uk/', target: `${baseUpstream.url}/b`, keyless: true, definition: { location: 'url' }, proxy: { listen_path: '/uk/', target_url: `${baseUpstream.url}/b`, strip_listen_path: false } }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await baseUpstream.close(); await versionUpstream.close() })
  await addVersion(gh, 'base_api_id=ub&base_api_version_name=v1&new_version_name=v2',
    anApi({ api_id: 'ub2', listen_path: '/ub2/', target: `${versionUpstream.url}/c`, keyless: true }))
  await addVersion(gh, 'base_api_id=uk&base_api_version_name=v1&new_version_name=v2',
    anApi({ api_id: 'uk2', listen_path: '/uk2/', target: `${versionUpstream.url}/k`, keyless: true }))

  assert.equal((await call(gh, '/ub/v2/users?x=1')).reached, '/c/users?x=1')
  assert.equal((await call(gh, '/ub/v1/users')).reached, '/b/users')
  assert.deepEqual(await call(gh, '/ub/v9/users'), { status: 404, reached: 'This API version does not seem to exist', versionHeader: undefined })
  assert.equal((await call(gh, '/uk/v2/users')).reached, '/k/uk/v2/users')
  assert.equal((await call(gh, '/uk/v1/users')).reached, '/b/uk/v1/users')
  assert.equal(versionUpstream.hits(), 2)
})

test('issue 15: an internal version API is reached through its base only, never on its own listen path', async (t) => {
  const baseUpstream = await startEchoUpstream()
  const versionUpstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'base.json', anApi({ api_id: 'ibase', listen_path: '/ibase/', target: `${baseUpstream.url}/b`, keyless: true }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await baseUpstream.close(); await versionUpstream.close() })
  await addVersion(gh, 'base_api_id=ibase&base_api_version_name=v1&new_version_name=v2',
    anApi({ api_id: 'iv2', listen_path: '/iv2/', target: `${versionUpstream.url}/c`, keyless: true, internal: true }))

  assert.deepEqual(await call(gh, '/ibase/items', { 'x-api-version': 'v2' }), { status: 200, reached: '/c/items', versionHeader: 'v2' })
  const direct = await fetch(`${gh.url}/iv2/items`)
  assert.equal(direct.status, 404)
  await direct.arrayBuffer()
  assert.equal(versionUpstream.hits(), 1, 'only the request through the base reached the internal API')
  assert.equal((await gh.admin('GET', '/tyk/apis/iv2')).status, 200, 'loaded, not refused')
})
