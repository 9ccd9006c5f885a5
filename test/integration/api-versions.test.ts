import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestGatehouse, tempDir } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

// Issue 15: Tyk's API versioning through a base API (gateway/api.go handleAddApi,
// lib/apidef/version.go, gateway/versions_handler.go).
test('POST /tyk/apis?base_api_id=... adds a version to the base API; /versions lists it; x-tyk-base-api-id names the base', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'base.json', anApi({ api_id: 'base', listen_path: '/base/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  const version = (apiId: string): Record<string, unknown> => anApi({ api_id: apiId, listen_path: `/${apiId}/`, target: upstream.url })
  const error = async (path: string): Promise<[number, unknown]> => { const res = await gh.admin('POST', path, version('v2api')); return [res.status, res.json] }

  assert.deepEqual(await error('/tyk/apis?base_api_id=base'), [422, { status: 'error', message: 'The new version name is required' }])
  assert.deepEqual(await error('/tyk/apis?base_api_id=nope&new_version_name=v2'), [400, { status: 'error', message: 'nope is not a valid Base API version' }])
  assert.deepEqual(await error('/tyk/apis?base_api_id=base&new_version_name=v2'), [400, { status: 'error', message: 'you need to provide a version name for the new Base API: base' }])
  const badBody = await gh.admin('POST', '/tyk/apis?base_api_id=base', { name: 'no proxy' })
  assert.equal(badBody.status, 422, 'the parameters are checked before the body, as in Tyk')

  const added = await gh.admin('POST', '/tyk/apis?base_api_id=base&base_api_version_name=v1&new_version_name=v2&set_default=true', version('v2api'))
  assert.deepEqual([added.status, added.json], [200, { key: 'v2api', status: 'ok', action: 'added' }])
  const baseFile = JSON.parse(readFileSync(join(apps, 'base.json'), 'utf8')) as { definition: Record<string, unknown>, proxy: { listen_path: string } }
  assert.deepEqual([baseFile.definition.enabled, baseFile.definition.name, baseFile.definition.default, baseFile.definition.versions], [true, 'v1', 'v2', { v2: 'v2api' }])
  assert.equal(baseFile.proxy.listen_path, '/base/', 'the rest of the base is kept')

  assert.equal((await gh.admin('GET', '/tyk/reload?block=true')).status, 200)
  const meta = (id: string, versionName: string, isDefaultVersion: boolean): Record<string, unknown> =>
    ({ id, name: `API ${id}`, versionName, internal: false, expirationDate: '', isDefaultVersion })
  assert.deepEqual((await gh.admin('GET', '/tyk/apis/base/versions')).json, { status: 'success', apis: [meta('base', 'v1', false), meta('v2api', 'v2', true)] })
  const v2 = await gh.admin('GET', '/tyk/apis/v2api')
  assert.equal(v2.headers.get('x-tyk-base-api-id'), 'base')
  assert.equal((await gh.admin('GET', '/tyk/apis/base')).headers.get('x-tyk-base-api-id'), null)

  // the base has a version name now: no base_api_version_name needed; without set_default the default stays
  assert.equal((await gh.admin('POST', '/tyk/apis?base_api_id=base&new_version_name=v0', version('v0api'))).status, 200)
  assert.equal((await gh.admin('GET', '/tyk/reload?block=true')).status, 200)
  assert.deepEqual((await gh.admin('GET', '/tyk/apis/base/versions')).json, { status: 'success', apis: [meta('base', 'v1', false), meta('v0api', 'v0', false), meta('v2api', 'v2', true)] })
  assert.deepEqual((await gh.admin('GET', '/tyk/apis/base/versions?searchText=V0')).json, { status: 'success', apis: [meta('v0api', 'v0', false)] })
  assert.deepEqual((await gh.admin('GET', '/tyk/apis/base/versions?accessType=internal')).json, { status: 'success', apis: null })
  assert.deepEqual((await gh.admin('GET', '/tyk/apis/v2api/versions')).json, { status: 'success', apis: [meta('v2api', '', true)] }, 'any API lists itself; "" is its own (empty) default, as in Tyk')
  const missing = await gh.admin('GET', '/tyk/apis/nope/versions')
  assert.deepEqual([missing.status, missing.json], [404, { status: 'error', message: 'API not found' }])

  // deleting the default version leaves the base's file, and the base's own version is the default again
  assert.equal((await gh.admin('DELETE', '/tyk/apis/v2api')).status, 200)
  const after = JSON.parse(readFileSync(join(apps, 'base.json'), 'utf8')) as { definition: Record<string, unknown> }
  assert.deepEqual([after.definition.default, after.definition.versions], ['v1', { v0: 'v0api' }])
  assert.equal((await gh.admin('GET', '/tyk/reload?block=true')).status, 200)
  assert.deepEqual((await gh.admin('GET', '/tyk/apis/base/versions')).json, { status: 'success', apis: [meta('base', 'v1', true), meta('v0api', 'v0', false)] })
})
