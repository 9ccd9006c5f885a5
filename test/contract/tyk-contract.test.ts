import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TykContract } from './tyk-contract.js'

// The checker must be able to fail, or the contract test proves nothing.
const contract = TykContract.load()
const JSON_TYPE = 'application/json'
const check = (method: string, path: string, status: number, body: unknown, contentType = JSON_TYPE): string[] =>
  contract.problems(method, path, status, contentType, JSON.stringify(body))

test('a literal path segment wins over a {param}: /tyk/keys/create is not /tyk/keys/{keyID}', () => {
  assert.equal(contract.operationOf('POST', '/tyk/keys/create')?.template, '/tyk/keys/create')
  assert.equal(contract.operationOf('POST', '/tyk/keys/abc?hashed=1')?.template, '/tyk/keys/{keyID}')
  assert.equal(contract.operationOf('GET', '/tyk/apis/a1/versions')?.template, '/tyk/apis/{apiID}/versions')
  assert.equal(contract.operationOf('PATCH', '/tyk/keys/abc'), undefined)
})

test('a session that keeps the schema passes; nullable lists and maps take null', () => {
  assert.deepEqual(check('GET', '/tyk/keys/k1', 200, { rate: 1, per: 1, tags: null, smoothing: null, meta_data: null, access_rights: { a: { api_id: 'a', versions: null } }, post_expiry_action: 'retain' }), [])
})

test('post_expiry_action "" breaks the enum (Tyk leaves the field out instead)', () => {
  const problems = check('GET', '/tyk/keys/k1', 200, { rate: 1, post_expiry_action: '' })
  assert.equal(problems.length, 1)
  assert.match(problems[0] ?? '', /GET \/tyk\/keys\/\{keyID\} -> 200/)
  assert.match(problems[0] ?? '', /\/post_expiry_action must be equal to one of the allowed values/)
  assert.match(problems[0] ?? '', /body: \{"rate":1,"post_expiry_action":""\}/)
})

test('wrong types, a null where the schema has none, and nested $refs are all checked', () => {
  assert.match(check('GET', '/tyk/keys/k1', 200, { rate: 'fast' })[0] ?? '', /\/rate must be number/)
  assert.match(check('GET', '/tyk/keys/k1', 200, { basic_auth_data: null })[0] ?? '', /\/basic_auth_data must be object/)
  assert.match(check('GET', '/tyk/keys/k1', 200, { access_rights: { a: { limit: { quota_max: 1.5 } } } })[0] ?? '', /\/access_rights\/a\/limit\/quota_max must be integer/)
  assert.match(check('GET', '/tyk/policies/p1', 200, { partitions: { quota: 'yes' } })[0] ?? '', /\/partitions\/quota must be boolean/)
  assert.match(check('GET', '/hello', 200, { status: 'ok' })[0] ?? '', /\/status must be equal to one of the allowed values/)
})

test('a status, content type or path outside the contract is a problem', () => {
  assert.match(check('GET', '/tyk/keys/k1', 418, {})[0] ?? '', /status 418 is not in the contract/)
  assert.match(check('GET', '/tyk/keys/k1', 200, {}, 'text/plain')[0] ?? '', /content type "text\/plain" is not in the contract/)
  assert.match(check('GET', '/tyk/nowhere', 200, {})[0] ?? '', /is not an operation of Tyk's contract/)
  assert.match(contract.problems('GET', '/tyk/keys/k1', 200, JSON_TYPE, 'not json')[0] ?? '', /the body is not JSON/)
})

test('error bodies: ApiStatusMessage allows our extra "detail"; a number for message is refused', () => {
  assert.deepEqual(check('GET', '/tyk/keys/k1', 404, { status: 'error', message: 'Key not found', detail: 'why' }), [])
  assert.match(check('GET', '/tyk/keys/k1', 404, { status: 'error', message: 404 })[0] ?? '', /\/message must be string/)
})
