import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, uid, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, writeJson } from '../helpers/upstream.js'

// Issue 15, point 7: Tyk never reads a DELETE's body (gateway/api.go handleDeleteKey,
// handleDeletePolicy, handleDeleteAPI, orgHandler), so neither do we: an empty body sent with
// Content-Type: application/json (what the quickstart sends) or a body that is not JSON.

const BODIES: Array<{ name: string, headers: Record<string, string>, rawBody?: string }> = [
  { name: 'JSON content type, empty body', headers: { 'content-type': 'application/json' } },
  { name: 'JSON content type, content-length 0', headers: { 'content-type': 'application/json', 'content-length': '0' }, rawBody: '' },
  { name: 'a body that is not JSON', headers: { 'content-type': 'text/plain' }, rawBody: 'not json at all' },
  { name: 'a JSON body', headers: { 'content-type': 'application/json' }, rawBody: '{"ignored":true}' },
  { name: 'a Content-Type that is no media type', headers: { 'content-type': 'nonsense' }, rawBody: 'x' },
  { name: 'a half JSON body with fetch\'s default Content-Type', headers: {}, rawBody: '{' }
]

async function setup (t: { after: (fn: () => Promise<void>) => void }): Promise<TestGatehouse> {
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'loaded.json', anApi({ api_id: 'loaded', org_id: 'acme', listen_path: '/loaded/', target: 'http://127.0.0.1:1' }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(() => gh.close())
  return gh
}

for (const body of BODIES) {
  test(`issue 15: DELETE with ${body.name} deletes keys, policies, org sessions and APIs`, async (t) => {
    const gh = await setup(t)
    const options = { headers: body.headers, rawBody: body.rawBody }

    const key = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', access_rights: { loaded: { api_id: 'loaded' } } })).json as { key: string }).key
    const deletedKey = await gh.admin('DELETE', `/tyk/keys/${key}`, undefined, options)
    assert.deepEqual([deletedKey.status, deletedKey.json], [200, { key, status: 'ok', action: 'deleted' }], deletedKey.text)
    assert.equal((await gh.admin('GET', `/tyk/keys/${key}`)).status, 404)

    const policyId = `p${uid()}`
    assert.equal((await gh.admin('POST', '/tyk/policies', { id: policyId, org_id: 'acme', access_rights: { loaded: { api_id: 'loaded' } } })).status, 200)
    const deletedPolicy = await gh.admin('DELETE', `/tyk/policies/${policyId}`, undefined, options)
    assert.equal(deletedPolicy.status, 200, deletedPolicy.text)
    assert.equal((await gh.admin('GET', `/tyk/policies/${policyId}`)).status, 404)

    assert.equal((await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', quota_max: 10 })).status, 200)
    const deletedOrg = await gh.admin('DELETE', '/tyk/org/keys/acme', undefined, options)
    assert.equal(deletedOrg.status, 200, deletedOrg.text)
    assert.equal((await gh.admin('GET', '/tyk/org/keys/acme')).status, 404)

    const deletedApi = await gh.admin('DELETE', '/tyk/apis/loaded', undefined, options)
    assert.deepEqual([deletedApi.status, deletedApi.json], [200, { key: 'loaded', status: 'ok', action: 'deleted' }], deletedApi.text)
  })
}
