import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

test('versions: checked before auth, granted per key, expiry header; allowed_urls per method', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'v.json', anApi({
    api_id: 'v',
    listen_path: '/v/',
    target: upstream.url,
    definition: { location: 'header', key: 'version' },
    version_data: { not_versioned: false, default_version: 'v1', versions: { v1: { name: 'v1', expires: '3000-01-02 15:04' }, v2: { name: 'v2' }, v0: { name: 'v0', expires: '2001-01-01 00:00' } } }
  }))
  writeJson(apps, 'u.json', anApi({ api_id: 'u', listen_path: '/u/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  const call = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number, error?: string, expires: string | null }> => {
    const res = await fetch(gh.url + path, { headers, method })
    const text = await res.text()
    return { status: res.status, error: res.status >= 400 ? (JSON.parse(text) as { error: string }).error : undefined, expires: res.headers.get('x-tyk-api-expires') }
  }
  assert.deepEqual(await call('/v/', { version: 'v3' }), { status: 403, error: 'This API version does not seem to exist', expires: null }, 'before auth: no key needed')
  assert.equal((await call('/v/', { version: 'v0' })).error, 'Api Version has expired, please check documentation or contact administrator')
  const key = ((await gh.admin('POST', '/tyk/keys/create', { access_rights: { v: { api_id: 'v', versions: ['v1'] }, u: { api_id: 'u', allowed_urls: [{ url: '/users', methods: ['GET'] }] } } })).json as { key: string }).key
  const v1 = await call('/v/', { version: 'v1', authorization: key })
  assert.deepEqual(v1, { status: 200, error: undefined, expires: 'Thu, 02 Jan 3000 15:04:00 UTC' })
  assert.equal((await call('/v/', { authorization: key })).status, 200, 'no version named: the default v1')
  assert.deepEqual(await call('/v/', { version: 'v2', authorization: key }), { status: 403, error: 'Access to this API has been disallowed', expires: null })
  assert.equal((await call('/u/users/1', { authorization: key })).status, 200)
  assert.deepEqual(await call('/u/users/1', { authorization: key }, 'DELETE'), { status: 403, error: 'Access to this resource has been disallowed', expires: null })
  assert.equal((await call('/u/orders', { authorization: key })).error, 'Access to this resource has been disallowed')
})

test('issue 15: strip_versioning_data (and strip_path for url versioning) keeps the version from the upstream', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  const versions = { not_versioned: false, default_version: 'v1', versions: { v1: { name: 'v1' }, v2: { name: 'v2' } } }
  const api = (id: string, definition: Record<string, unknown>): void => {
    writeJson(apps, `${id}.json`, anApi({ api_id: id, listen_path: `/${id}/`, target: upstream.url, keyless: true, definition, version_data: versions }))
  }
  api('url', { location: 'url', strip_versioning_data: true })
  api('urlold', { location: 'url', strip_path: true })
  api('urlkept', { location: 'url' })
  api('urlpattern', { location: 'url', strip_versioning_data: true, url_versioning_pattern: '^v\\d+$', fallback_to_default: true })
  api('param', { location: 'url-param', key: 'version', strip_versioning_data: true })
  api('paramold', { location: 'url-param', key: 'version', strip_path: true })
  api('head', { location: 'header', key: 'X-API-Version', strip_versioning_data: true })
  api('headkept', { location: 'header', key: 'X-API-Version' })
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  const seen = async (path: string, headers: Record<string, string> = {}): Promise<{ url: string, version: string | undefined }> => {
    const res = await fetch(gh.url + path, { headers })
    const text = await res.text()
    assert.equal(res.status, 200, `${path}: ${text}`)
    const echoed = JSON.parse(text) as { url: string, headers: Record<string, string> }
    return { url: echoed.url, version: echoed.headers['x-api-version'] }
  }
  assert.equal((await seen('/url/v1/users?x=1')).url, '/users?x=1')
  assert.equal((await seen('/url/v2/users/')).url, '/users/')
  assert.equal((await seen('/url/v2/')).url, '/')
  assert.equal((await seen('/url/v2')).url, '/v2', 'no slash after the version: Tyk leaves the path alone')
  assert.equal((await seen('/urlold/v2/a/b')).url, '/a/b', 'strip_path, the old name')
  assert.equal((await seen('/urlkept/v1/users')).url, '/v1/users')
  assert.equal((await seen('/urlpattern/v1/users')).url, '/users')
  assert.equal((await seen('/urlpattern/latest/users')).url, '/latest/users', 'a version the pattern does not match stays')
  assert.equal((await seen('/param/items?b=2&version=v2&a=1')).url, '/items?a=1&b=2', 'the parameter goes, the query is re-encoded sorted')
  assert.equal((await seen('/paramold/items?version=v2')).url, '/items?version=v2', 'strip_path counts for url versioning only')
  assert.deepEqual(await seen('/head/items', { 'x-api-version': 'v2' }), { url: '/items', version: undefined })
  assert.deepEqual(await seen('/headkept/items', { 'x-api-version': 'v2' }), { url: '/items', version: 'v2' })
})

test('a version without a name is selected by its map key, as Tyk\'s APISpec.Version does', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'n.json', anApi({
    api_id: 'n',
    listen_path: '/n/',
    target: upstream.url,
    keyless: true,
    definition: { location: 'header', key: 'version' },
    version_data: { not_versioned: false, default_version: 'v1', versions: { v1: {}, v2: { name: '' } } }
  }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  for (const headers of [{}, { version: 'v1' }, { version: 'v2' }] as Array<Record<string, string>>) {
    const res = await fetch(`${gh.url}/n/x`, { headers })
    assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${await res.text()}`)
  }
})
