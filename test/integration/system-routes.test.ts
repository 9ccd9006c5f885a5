import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestGatehouse } from '../helpers/gatehouse.js'

test('the OpenAPI 3.1 document describes every management route from the request schemas', async (t) => {
  const gh = await startTestGatehouse()
  t.after(() => gh.close())
  const res = await gh.admin('GET', '/tyk/openapi.json')
  assert.equal(res.status, 200)
  const doc = res.json as { openapi: string, paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>> }
  assert.equal(doc.openapi, '3.1.0')
  const expected: Array<[path: string, method: string]> = [
    ['/tyk/keys/create', 'post'], ['/tyk/keys/preview', 'post'], ['/tyk/keys/policy/{keyID}', 'post'],
    ['/tyk/keys', 'get'], ['/tyk/keys', 'post'], ['/tyk/keys/{keyID}', 'get'], ['/tyk/keys/{keyID}', 'post'],
    ['/tyk/keys/{keyID}', 'put'], ['/tyk/keys/{keyID}', 'delete'], ['/tyk/reload', 'get'], ['/tyk/reload/group', 'get'], ['/hello', 'get'],
    ['/tyk/keys/{keyID}/explain', 'get'], ['/tyk/policies/{polID}/preview', 'post']
  ]
  for (const [path, method] of expected) assert.ok(doc.paths[path]?.[method] !== undefined, `${method} ${path}`)
  const body = doc.paths['/tyk/keys/create']?.post?.requestBody?.content['application/json']?.schema
  for (const field of ['rate', 'per', 'quota_max', 'access_rights', 'apply_policies', 'meta_data', 'last_updated']) {
    assert.ok(body?.properties[field] !== undefined, `session field ${field} documented`)
  }
})

test('reload and group reload answer Tyk\'s ok body; other methods are 405', async (t) => {
  const gh = await startTestGatehouse()
  t.after(() => gh.close())
  for (const path of ['/tyk/reload', '/tyk/reload?block=true', '/tyk/reload/', '/tyk/reload/group']) {
    const res = await gh.admin('GET', path)
    assert.equal(res.status, 200, path)
    assert.equal(res.text, '{"status":"ok","message":""}\n')
  }
  const post = await gh.admin('POST', '/tyk/reload')
  assert.equal(post.status, 405)
  assert.deepEqual(post.json, { status: 'error', message: 'Method not supported' })
})
