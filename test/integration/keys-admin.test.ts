import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { startTestGatehouse, uid, type TestGatehouse } from '../helpers/gatehouse.js'
import { hashToken } from '../../src/core/hash.js'

const ORG = '5e9d9544a1dcd60001d0ed20'
const access = (apiId: string) => ({ [apiId]: { api_id: apiId, api_name: 'API ' + apiId, versions: ['Default'] } })

async function gatehouse (t: { after: (fn: () => Promise<void>) => void }, overrides: Parameters<typeof startTestGatehouse>[0] = {}): Promise<TestGatehouse> {
  const gh = await startTestGatehouse(overrides)
  t.after(() => gh.close())
  return gh
}

test('every /tyk request without the right secret gets 403 in Tyk\'s words, even unknown paths', async (t) => {
  const gh = await gatehouse(t)
  const forbidden = { status: 'error', message: 'Attempted administrative access with invalid or missing key!' }
  for (const [method, path, secret] of [
    ['GET', '/tyk/keys', null], ['GET', '/tyk/keys', 'wrong'], ['GET', '/tyk/keys', ''],
    ['POST', '/tyk/keys/create', gh.secret.toUpperCase()], ['GET', '/tyk/nothing-here', null],
    ['DELETE', '/tyk/keys/abc', gh.secret + 'x'], ['DELETE', '/tyk/keys/abc', gh.secret.slice(1)], ['GET', '/tyk/openapi.json', null]
  ] as const) {
    const res = await gh.admin(method, path, undefined, { secret })
    assert.equal(res.status, 403, `${method} ${path} with ${String(secret)}`)
    assert.deepEqual(res.json, forbidden)
    assert.equal(res.headers.get('content-type'), 'application/json')
    assert.ok(res.text.endsWith('}\n'), 'Tyk ends JSON bodies with one newline')
  }
})

test('an unknown path is the router\'s plain 404, a wrong method is Tyk\'s 405', async (t) => {
  const gh = await gatehouse(t)
  const missing = await gh.admin('GET', '/tyk/nothing-here')
  assert.equal(missing.status, 404)
  assert.equal(missing.text, '404 page not found\n')
  assert.equal(missing.headers.get('content-type'), 'text/plain; charset=utf-8')
  const patch = await gh.admin('PATCH', '/tyk/keys/abc')
  assert.equal(patch.status, 405)
  assert.deepEqual(patch.json, { status: 'error', message: 'Method not supported' })
  const helloPost = await gh.admin('POST', '/hello', undefined, { secret: null })
  assert.equal(helloPost.status, 405)
  assert.deepEqual(helloPost.json, { status: 'error', message: 'Method Not Allowed' })
})

test('GET /hello answers without a secret', async (t) => {
  const gh = await gatehouse(t)
  const res = await gh.admin('GET', '/hello', undefined, { secret: null })
  assert.equal(res.status, 200)
  const body = res.json as { status: string, description: string, version: string, details: { redis: { status: string } } }
  assert.equal(body.status, 'pass')
  assert.equal(body.description, 'Tyk GW')
  assert.match(body.version, /^v\d/)
  assert.equal(body.details.redis.status, 'pass')
  const ready = await gh.admin('GET', '/ready', undefined, { secret: null })
  assert.equal(ready.status, 200)
})

test('the seed: POST /tyk/keys/create with the documented body creates an org-prefixed key', async (t) => {
  const gh = await gatehouse(t, { allow_master_keys: false })
  const body = {
    allowance: 999,
    rate: 1000,
    per: 60,
    expires: 0,
    quota_max: -1,
    quota_renews: 1406121006,
    quota_remaining: 0,
    quota_renewal_rate: 60,
    access_rights: { '234a71b4c2274e5a57610fe48cdedf40': { api_name: 'Versioned API', api_id: '234a71b4c2274e5a57610fe48cdedf40', versions: ['v1'] } },
    org_id: '53ac07777cbb8c2d53000002'
  }
  const res = await gh.admin('POST', '/tyk/keys/create', body)
  assert.equal(res.status, 200)
  const created = res.json as { key: string, status: string, action: string, key_hash: string }
  assert.equal(created.status, 'ok')
  assert.equal(created.action, 'added')
  assert.match(created.key, /^53ac07777cbb8c2d53000002[0-9a-f]{32}$/, 'org id + 32 random hex')
  assert.equal(created.key_hash, hashToken(created.key))
  assert.deepEqual(Object.keys(created), ['key', 'status', 'action', 'key_hash'])

  const read = await gh.admin('GET', `/tyk/keys/${created.key}`)
  assert.equal(read.status, 200)
  const session = read.json as Record<string, unknown>
  assert.equal(session.rate, 1000)
  assert.equal(session.allowance, 999)
  assert.equal(session.org_id, '53ac07777cbb8c2d53000002')
  assert.deepEqual(session.access_rights, { '234a71b4c2274e5a57610fe48cdedf40': { api_name: 'Versioned API', api_id: '234a71b4c2274e5a57610fe48cdedf40', versions: ['v1'], allowed_urls: [] } })
  assert.equal(typeof session.last_updated, 'string')
  assert.ok(Number(session.quota_renews) > 1406121006, 'a new quota window starts at creation')

  const other = await gh.admin('POST', '/tyk/keys/create', body)
  assert.notEqual((other.json as { key: string }).key, created.key, 'keys are random')
})

test('the seed: POST /tyk/keys/{keyID} with an org stores org id + custom id and hashes it', async (t) => {
  const gh = await gatehouse(t)
  const body = {
    access_rights: { 'itachi-api': { allowed_urls: [{ methods: ['GET'], url: '/users' }], api_id: '8ddd91f3cda9453442c477b06c4e2da4', api_name: 'Itachi api', limit: { per: 60, quota_max: 10000, quota_remaining: 10000, quota_renewal_rate: 3600, rate: 1000, throttle_interval: 10, throttle_retry_limit: 10 }, versions: ['Default'] } },
    alias: 'portal-key',
    allowance: 1000,
    apply_policies: [],
    date_created: '2024-08-09T14:40:34.87614+03:00',
    enable_detailed_recording: true,
    last_updated: '1723203634',
    meta_data: { 'new-update-key-sample': 'update-key-sample', tyk_developer_id: '62b3fb9a1d5e4f00017226f5', update: 'sample policy update', user_type: 'mobile_user' },
    org_id: ORG,
    per: 60,
    quota_max: 10000,
    quota_renewal_rate: 3600,
    quota_renews: 1723207234,
    rate: 1000,
    tags: ['security', 'edge', 'edge-eu'],
    throttle_interval: 10,
    throttle_retry_limit: 10
  }
  const res = await gh.admin('POST', '/tyk/keys/customKey', body)
  assert.equal(res.status, 200)
  assert.deepEqual(res.json, { key: `${ORG}customKey`, status: 'ok', action: 'added', key_hash: '17c21bdd' })

  const full = await gh.admin('GET', `/tyk/keys/${ORG}customKey`)
  assert.equal(full.status, 200)
  const session = full.json as Record<string, unknown>
  assert.deepEqual(session.meta_data, body.meta_data)
  assert.deepEqual(session.tags, body.tags)
  assert.equal(session.alias, 'portal-key')
  assert.equal(session.enable_detailed_recording, true)
  assert.notEqual(session.date_created, body.date_created, 'date_created is set by the gateway')

  // spec 2.12: the short id is found with the org, not without it
  assert.equal((await gh.admin('GET', `/tyk/keys/customKey?org_id=${ORG}`)).status, 200)
  assert.equal((await gh.admin('GET', '/tyk/keys/customKey')).status, 404)
  assert.equal((await gh.admin('GET', '/tyk/keys/17c21bdd?hashed=true')).status, 200)
  assert.equal((await gh.admin('GET', '/tyk/keys/17c21bdd')).status, 404, 'a hash without ?hashed is hashed again')
})

test('a session round-trips every Tyk field, unknown fields included, in Tyk\'s field order', async (t) => {
  const gh = await gatehouse(t)
  const body = {
    rate: 5.5,
    per: 1,
    expires: 0,
    quota_max: 100,
    quota_renewal_rate: 3600,
    access_rights: access('api-1'),
    org_id: 'org1',
    tags: ['t1'],
    alias: 'a',
    meta_data: { nested: { deep: [1, 2] } },
    hmac_enabled: false,
    jwt_data: { secret: 's' },
    monitor: { trigger_limits: [80, 60.5] },
    smoothing: { enabled: true, threshold: 10, trigger: 0.8, step: 5, delay: 30 },
    x_custom_field: { kept: true },
    another: [1, 'two']
  }
  const created = await gh.admin('POST', `/tyk/keys/roundtrip${uid()}`, body)
  assert.equal(created.status, 200)
  const got = (await gh.admin('GET', `/tyk/keys/${(created.json as { key: string }).key}`)).json as Record<string, unknown>
  for (const [field, value] of Object.entries(body)) {
    if (field === 'access_rights') continue
    assert.deepEqual(got[field], value, field)
  }
  const keys = Object.keys(got)
  assert.deepEqual(keys.slice(0, 8), ['last_check', 'allowance', 'rate', 'per', 'throttle_interval', 'throttle_retry_limit', 'max_query_depth', 'date_created'])
  assert.deepEqual(keys.slice(-2), ['x_custom_field', 'another'], 'unknown fields come after the known ones')
  assert.equal(got.basic_auth_data && (got.basic_auth_data as { password: string }).password, '')
})

test('field names match case-insensitively and null means the zero value, as Go decodes them', async (t) => {
  const gh = await gatehouse(t)
  const res = await gh.admin('POST', `/tyk/keys/caseKey${uid()}`, { Rate: 7, PER: 2, Access_Rights: access('api-1'), Tags: null, org_id: null })
  assert.equal(res.status, 200)
  const got = (await gh.admin('GET', `/tyk/keys/${(res.json as { key: string }).key}`)).json as Record<string, unknown>
  assert.equal(got.rate, 7)
  assert.equal(got.per, 2)
  assert.deepEqual(got.tags, [])
  assert.equal(got.org_id, '')
  assert.equal('Rate' in got, false)
})

test('bad bodies get Tyk\'s error, name the problem, and write nothing', async (t) => {
  const gh = await gatehouse(t)
  const cases: Array<[method: string, path: string, rawBody: string | undefined, status: number, message: string, detail: RegExp | undefined]> = [
    ['POST', '/tyk/keys/badKey1', '{', 400, 'Request malformed', /invalid JSON/],
    ['POST', '/tyk/keys/badKey2', '', 400, 'Request malformed', /empty body|body/],
    ['POST', '/tyk/keys/badKey3', '[]', 400, 'Request malformed', /object/],
    ['POST', '/tyk/keys/badKey4', '{"rate":"fast"}', 400, 'Request malformed', /rate/],
    ['POST', '/tyk/keys/badKey5', '{"expires":1.5}', 400, 'Request malformed', /expires/],
    ['POST', '/tyk/keys/badKey6', '{"last_updated":1723203634}', 400, 'Request malformed', /last_updated/],
    ['POST', '/tyk/keys/badKey7', '{"access_rights":{"a":{"versions":"v1"}}}', 400, 'Request malformed', /versions/],
    ['POST', '/tyk/keys/badKey8', '{"tags":[1]}', 400, 'Request malformed', /tags/],
    ['POST', '/tyk/keys/create', '{"rate":"fast"}', 400, 'Unmarshalling failed', /rate/],
    ['POST', '/tyk/keys/create', 'not json', 400, 'Unmarshalling failed', /invalid JSON/],
    ['POST', '/tyk/keys/preview', '{"quota_max":"x"}', 400, 'Unmarshalling failed', /quota_max/],
    ['PUT', '/tyk/keys/badKey9', '', 400, 'Request malformed', undefined],
    ['POST', '/tyk/keys/policy/abc', '{"apply_policies":"p1"}', 400, 'Couldn\'t decode instruction', /apply_policies/]
  ]
  for (const [method, path, rawBody, status, message, detail] of cases) {
    const res = await gh.admin(method, path, undefined, { rawBody: rawBody ?? '' })
    assert.equal(res.status, status, `${method} ${path} ${String(rawBody)}: ${res.text}`)
    const body = res.json as { status: string, message: string, detail?: string }
    assert.equal(body.status, 'error')
    assert.equal(body.message, message)
    if (detail !== undefined) assert.match(body.detail ?? '', detail, `${path} ${String(rawBody)}`)
  }
  const listed = await gh.admin('GET', '/tyk/keys')
  assert.deepEqual(listed.json, { keys: [] }, 'nothing half-written')
})

test('a body over the limit is refused with 413, and the server keeps serving', async (t) => {
  const gh = await gatehouse(t)
  const huge = JSON.stringify({ meta_data: { blob: 'x'.repeat(3 * 1024 * 1024) }, access_rights: access('a') })
  const res = await gh.admin('POST', '/tyk/keys/hugeKey', undefined, { rawBody: huge })
  assert.equal(res.status, 413)
  assert.deepEqual(res.json, { status: 'error', message: 'Request body too large' })
  assert.equal((await gh.admin('GET', '/hello', undefined, { secret: null })).status, 200)
})

test('path tricks in key ids never reach another key nor crash the server', async (t) => {
  const gh = await gatehouse(t)
  const created = await gh.admin('POST', '/tyk/keys/victimKey', { access_rights: access('a') })
  assert.equal(created.status, 200)
  for (const path of ['/tyk/keys/..%2FvictimKey', '/tyk/keys/a%2F..%2FvictimKey', '/tyk/keys/%2e%2e', '/tyk/keys/..', '/tyk/keys/victimKey%00', '/tyk/keys/' + 'k'.repeat(5000)]) {
    const res = await gh.admin('GET', path)
    assert.ok([400, 404].includes(res.status), `${path}: ${res.status}`)
  }
  const controlChar = await gh.admin('POST', '/tyk/keys/bad%01key', { access_rights: access('a') })
  assert.equal(controlChar.status, 400)
  assert.equal((await gh.admin('GET', '/tyk/keys/victimKey')).status, 200)
})

/** A request with the path sent byte for byte: fetch() would resolve %2e%2e and reject a lone %. */
async function rawAdmin (gh: TestGatehouse, method: string, path: string, body?: unknown, secret = gh.secret): Promise<{ status: number, type: string, json: unknown }> {
  const { hostname, port } = new URL(gh.url)
  return await new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers: { 'x-tyk-authorization': secret } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => {
        let json: unknown
        try { json = JSON.parse(text) } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), json })
      })
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

test('issue 15: key ids with encoded separators get a JSON answer on every key route, never the plain-text 404', async (t) => {
  const gh = await gatehouse(t)
  const body = { org_id: '', access_rights: access('a') }
  const routes = (id: string): Array<[string, string, unknown]> => [
    ['GET', `/tyk/keys/${id}`, undefined], ['PUT', `/tyk/keys/${id}`, body], ['DELETE', `/tyk/keys/${id}`, undefined],
    ['GET', `/tyk/keys/${id}/explain`, undefined], ['GET', `/tyk/keys/policy/${id}`, undefined],
    ['POST', `/tyk/keys/policy/${id}`, { apply_policies: [] }], ['POST', `/tyk/keys/${id}`, body]
  ]
  for (const id of ['..%2F..%2Fx', 'a%2Fb', '%2e%2e', 'a%5Cb', '%', 'abc%2', '%2F', 'x%2f..%2fy']) {
    for (const [method, path, payload] of routes(id)) {
      const res = await rawAdmin(gh, method, path, payload)
      assert.equal(res.type, 'application/json', `${method} ${path}: ${res.status} ${res.type}`)
      assert.notEqual(res.status, 500, `${method} ${path}`)
      if (res.status !== 200) assert.equal((res.json as { status: string }).status, 'error', `${method} ${path}`)
    }
  }
  const lone = await rawAdmin(gh, 'GET', '/tyk/keys/%')
  assert.equal(lone.status, 400)
  assert.deepEqual(lone.json, { status: 'error', message: 'Invalid key ID: not valid percent-encoding', detail: 'the path is not valid percent-encoding' })
  assert.deepEqual((await rawAdmin(gh, 'GET', '/tyk/keys/%/explain', undefined, 'wrong')).json, { status: 'error', message: 'Attempted administrative access with invalid or missing key!' })

  // an id holding '/' or '\\' is an opaque id: stored, read back, explained, deleted as itself
  for (const [encoded, id] of [['..%2F..%2Fvictim', '../../victim'], ['a%2Fb', 'a/b'], ['a%5Cb', 'a\\b']]) {
    const created = await rawAdmin(gh, 'POST', `/tyk/keys/${encoded}`, body)
    assert.equal(created.status, 200)
    assert.equal((created.json as { key: string }).key, id)
    assert.equal((await rawAdmin(gh, 'GET', `/tyk/keys/${encoded}`)).status, 200)
    assert.equal(((await rawAdmin(gh, 'GET', `/tyk/keys/${encoded}/explain`)).json as { key_id: string }).key_id, (created.json as { key_hash: string }).key_hash)
    assert.equal((await rawAdmin(gh, 'PUT', `/tyk/keys/${encoded}`, body)).status, 200)
    assert.equal((await rawAdmin(gh, 'DELETE', `/tyk/keys/${encoded}`)).status, 200)
    assert.deepEqual((await rawAdmin(gh, 'GET', `/tyk/keys/${encoded}`)).json, { status: 'error', message: 'Key not found' })
  }
  assert.equal((await rawAdmin(gh, 'GET', '/tyk/keys/victim')).status, 404, 'no id reached another key')
  const unknown = await rawAdmin(gh, 'GET', '/tyk/nothing-here')
  assert.equal(unknown.type, 'text/plain; charset=utf-8', 'a truly unknown path keeps Tyk\'s plain 404')
})

test('issue 15: a policy that does not exist is refused on POST /keys/{id}, POST /keys and PUT as on /keys/create, and nothing is stored', async (t) => {
  for (const allowMasterKeys of [false, true]) {
    const gh = await gatehouse(t, { allow_master_keys: allowMasterKeys, hash_keys: false })
    // no API is loaded: Tyk re-merges per API of the key all the same, loaded or not
    const body = { org_id: 'acme', apply_policies: ['no-such-policy'], access_rights: access('not-loaded') }
    const reason = 'policy not found: "no-such-policy"'
    const created = await gh.admin('POST', '/tyk/keys/create', body)
    assert.equal(created.status, 500)
    assert.deepEqual(created.json, { status: 'error', message: `Failed to create key - ${reason}` })

    const securitySettings = { status: 'error', message: 'Failed to create key, ensure security settings are correct.', detail: reason }
    const bodies = allowMasterKeys ? [body, { ...body, access_rights: {} }] : [body]
    for (const refused of bodies) {
      const withId = await gh.admin('POST', '/tyk/keys/customKey1', refused)
      assert.equal(withId.status, 500, withId.text)
      assert.deepEqual(withId.json, securitySettings)
      assert.equal((await gh.admin('GET', '/tyk/keys/customKey1?org_id=acme')).status, 404, 'nothing stored')
      const withoutId = await gh.admin('POST', '/tyk/keys', refused)
      assert.equal(withoutId.status, 500)
      assert.deepEqual(withoutId.json, securitySettings)
    }
    assert.deepEqual((await gh.admin('GET', '/tyk/keys')).json, { keys: [] }, 'no key of any route was stored')

    assert.equal((await gh.admin('POST', '/tyk/keys/oldKey1', { org_id: 'acme', access_rights: access('not-loaded'), tags: ['old'] })).status, 200)
    const before = await gh.admin('GET', '/tyk/keys/oldKey1?org_id=acme')
    const put = await gh.admin('PUT', '/tyk/keys/oldKey1', { ...body, tags: ['new'] })
    assert.equal(put.status, 500)
    assert.deepEqual(put.json, securitySettings)
    const after = await gh.admin('GET', '/tyk/keys/oldKey1?org_id=acme')
    assert.deepEqual(after.json, before.json, 'the old key is unchanged')
  }
})

test('custom key ids shorter than min_token_length are refused on POST only', async (t) => {
  const gh = await gatehouse(t, { min_token_length: 32 })
  const body = { access_rights: access('a') }
  const short = await gh.admin('POST', '/tyk/keys/' + 'a'.repeat(31), body)
  assert.equal(short.status, 400)
  assert.equal((short.json as { message: string }).message, 'custom key ID length 31 is less than min_token_length (32); the key would be unreachable at auth time. Use an ID of at least min_token_length characters, or lower min_token_length in the gateway configuration.')
  assert.equal((await gh.admin('POST', '/tyk/keys/' + 'b'.repeat(32), body)).status, 200)
  assert.equal((await gh.admin('POST', '/tyk/keys/create', body)).status, 200)

  const floor = await gatehouse(t)
  assert.equal((await floor.admin('POST', '/tyk/keys/ab', body)).status, 400, 'min_token_length 0 means 3')
  assert.equal((await floor.admin('POST', '/tyk/keys/abc', body)).status, 200)
})

test('master keys are refused unless allow_master_keys, with Tyk\'s two messages', async (t) => {
  const gh = await gatehouse(t)
  const create = await gh.admin('POST', '/tyk/keys/create', { rate: 1 })
  assert.equal(create.status, 400)
  assert.equal((create.json as { message: string }).message, 'Failed to create key, keys must have at least one Access Rights record set.')
  const custom = await gh.admin('POST', '/tyk/keys/masterKey', { rate: 1 })
  assert.equal(custom.status, 500)
  assert.equal((custom.json as { message: string }).message, 'Failed to create key, ensure security settings are correct.')

  const open = await gatehouse(t, { allow_master_keys: true })
  assert.equal((await open.admin('POST', '/tyk/keys/create', { rate: 1 })).status, 200)
})

test('hashing off: keys are plain tokens, no key_hash, listing filters by org prefix', async (t) => {
  const gh = await gatehouse(t, { hash_keys: false })
  const a = await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', access_rights: access('test') })
  assert.deepEqual(Object.keys(a.json as object), ['key', 'status', 'action'])
  const key = (a.json as { key: string }).key
  const b = await gh.admin('POST', '/tyk/keys/plainKey1', { org_id: 'dummy', access_rights: access('other') })
  assert.deepEqual(b.json, { key: 'dummyplainKey1', status: 'ok', action: 'added' })
  assert.equal((await gh.admin('GET', `/tyk/keys/${key}`)).status, 200)
  const hashedGet = await gh.admin('GET', `/tyk/keys/${key}?hashed=true`)
  assert.equal(hashedGet.status, 400)
  assert.equal((hashedGet.json as { message: string }).message, 'Key requested by hash but key hashing is not enabled')

  assert.deepEqual(((await gh.admin('GET', '/tyk/keys/')).json as { keys: string[] }).keys.sort(), [key, 'dummyplainKey1'].sort(), 'trailing slash is the same route')
  assert.deepEqual((await gh.admin('GET', '/tyk/keys?filter=default')).json, { keys: [key] })
  // issue 15: api_id alone lists the keys that can call the API (Tyk wants a filter in plain mode)
  assert.deepEqual((await gh.admin('GET', '/tyk/keys?api_id=test')).json, { keys: [key] })
  assert.deepEqual((await gh.admin('GET', '/tyk/keys?api_id=test&filter=default')).json, { keys: [key] })
  assert.deepEqual((await gh.admin('GET', '/tyk/keys?api_id=test&filter=wrong_org')).json, { keys: [] })
  // DELETE ?hashed works in plain mode: the "hash" is the token
  assert.equal((await gh.admin('DELETE', `/tyk/keys/${key}?hashed=true&api_id=test`)).status, 200)
})

test('hashing on: listing returns hashes, or Tyk\'s 404 when hashed listing is disabled', async (t) => {
  const gh = await gatehouse(t, { allow_master_keys: true })
  const a = (await gh.admin('POST', '/tyk/keys/create', { access_rights: access('api-one') })).json as { key_hash: string, key: string }
  const b = (await gh.admin('POST', '/tyk/keys/create', { access_rights: access('api-two') })).json as { key_hash: string }
  const c = (await gh.admin('POST', '/tyk/keys/create', {})).json as { key_hash: string }
  const all = (await gh.admin('GET', '/tyk/keys')).json as { keys: string[] }
  assert.deepEqual(all.keys.sort(), [a.key_hash, b.key_hash, c.key_hash].sort())
  assert.equal(all.keys.includes(a.key), false, 'raw keys are never listed')
  assert.deepEqual((await gh.admin('GET', '/tyk/keys/?api_id=api-one')).json, { keys: [a.key_hash, c.key_hash].sort() })
  assert.deepEqual((await gh.admin('GET', '/tyk/keys/?api_id=unknown-api')).json, { keys: [c.key_hash] })

  const closed = await gatehouse(t, { enable_hashed_keys_listing: false })
  const res = await closed.admin('GET', '/tyk/keys?api_id=x')
  assert.equal(res.status, 404)
  assert.deepEqual(res.json, { status: 'error', message: 'Hashed key listing is disabled in config (enable_hashed_keys_listing)' })
})

test('PUT replaces a key, resets the quota window unless suppress_reset=1, and 404s unknown keys', async (t) => {
  let nowMs = Date.parse('2026-01-01T00:00:00Z')
  const gh = await startTestGatehouse({}, { clock: () => nowMs })
  t.after(() => gh.close())
  const created = (await gh.admin('POST', '/tyk/keys/putKey1', { access_rights: access('a'), quota_max: 10, quota_renewal_rate: 60, alias: 'first', tags: ['x'] })).json as { key: string, key_hash: string }
  const before = (await gh.admin('GET', '/tyk/keys/putKey1')).json as Record<string, unknown>
  nowMs += 10_000
  const suppressed = await gh.admin('PUT', '/tyk/keys/putKey1?suppress_reset=1', { access_rights: access('a'), quota_max: 10, quota_renewal_rate: 60, alias: 'second' })
  assert.deepEqual(suppressed.json, { key: 'putKey1', status: 'ok', action: 'modified' })
  const kept = (await gh.admin('GET', '/tyk/keys/putKey1')).json as Record<string, unknown>
  assert.equal(kept.alias, 'second')
  assert.deepEqual(kept.tags, [], 'PUT replaces the whole session')
  assert.equal(kept.quota_renews, before.quota_renews)
  assert.equal(kept.last_updated, before.last_updated)
  assert.equal(kept.date_created, before.date_created)
  nowMs += 10_000
  await gh.admin('PUT', '/tyk/keys/putKey1', { access_rights: access('a'), quota_max: 10, quota_renewal_rate: 60 })
  const reset = (await gh.admin('GET', '/tyk/keys/putKey1')).json as Record<string, unknown>
  assert.equal(reset.quota_renews, Math.floor(nowMs / 1000) + 60)
  assert.equal(reset.last_updated, String(Math.floor(nowMs / 1000)))
  assert.equal(reset.date_created, before.date_created, 'date_created survives updates')

  const byHash = await gh.admin('PUT', `/tyk/keys/${created.key_hash}?hashed=true`, { access_rights: access('a') })
  assert.deepEqual(byHash.json, { key: created.key_hash, status: 'ok', action: 'modified' })
  const unknown = await gh.admin('PUT', '/tyk/keys/nope-nope', { access_rights: access('a') })
  assert.equal(unknown.status, 404)
  assert.deepEqual(unknown.json, { status: 'error', message: 'Key is not found' })
  assert.deepEqual((await gh.admin('PUT', '/tyk/keys', { access_rights: access('a') })).json, { status: 'error', message: 'Key is not found' })
})

test('a past expiry is dropped on POST /keys/{id}, kept on /keys/create, restored on PUT', async (t) => {
  const gh = await gatehouse(t)
  const past = Math.floor(Date.now() / 1000) - 3600
  await gh.admin('POST', '/tyk/keys/pastKey1', { access_rights: access('a'), expires: past })
  assert.equal(((await gh.admin('GET', '/tyk/keys/pastKey1')).json as { expires: number }).expires, 0)
  const created = (await gh.admin('POST', '/tyk/keys/create', { access_rights: access('a'), expires: past })).json as { key: string }
  assert.equal(((await gh.admin('GET', `/tyk/keys/${created.key}`)).json as { expires: number }).expires, past)
  const future = Math.floor(Date.now() / 1000) + 3600
  await gh.admin('PUT', '/tyk/keys/pastKey1', { access_rights: access('a'), expires: future })
  await gh.admin('PUT', '/tyk/keys/pastKey1', { access_rights: access('a'), expires: past })
  assert.equal(((await gh.admin('GET', '/tyk/keys/pastKey1')).json as { expires: number }).expires, future)
})

test('DELETE removes a key; api_id=-1 answers null; unknown keys get Tyk\'s 404', async (t) => {
  const gh = await gatehouse(t)
  const a = (await gh.admin('POST', '/tyk/keys/create', { access_rights: access('a') })).json as { key: string, key_hash: string }
  const deleted = await gh.admin('DELETE', `/tyk/keys/${a.key}`)
  assert.deepEqual(deleted.json, { key: a.key, status: 'ok', action: 'deleted' })
  assert.equal((await gh.admin('GET', `/tyk/keys/${a.key}`)).status, 404)
  assert.deepEqual((await gh.admin('GET', `/tyk/keys/${a.key}`)).json, { status: 'error', message: 'Key not found' })
  const again = await gh.admin('DELETE', `/tyk/keys/${a.key}`)
  assert.equal(again.status, 404)
  assert.deepEqual(again.json, { status: 'error', message: 'There is no such key found' })

  const b = (await gh.admin('POST', '/tyk/keys/create', { access_rights: access('a') })).json as { key: string, key_hash: string }
  const nullBody = await gh.admin('DELETE', `/tyk/keys/${b.key}?api_id=-1`)
  assert.equal(nullBody.status, 200)
  assert.equal(nullBody.text, 'null\n')

  const c = (await gh.admin('POST', '/tyk/keys/create', { access_rights: access('a') })).json as { key: string, key_hash: string }
  assert.deepEqual((await gh.admin('DELETE', `/tyk/keys/${c.key_hash}?hashed=true&api_id=test`)).json, { key: c.key_hash, status: 'ok', action: 'deleted' })
  assert.equal((await gh.admin('GET', `/tyk/keys/${c.key_hash}?hashed=true`)).status, 404)
  assert.deepEqual((await gh.admin('DELETE', '/tyk/keys')).json, { status: 'error', message: 'There is no such key found' })
})

test('POST /tyk/keys creates a random key through the add pipeline; GET /tyk/keys/create is a key lookup', async (t) => {
  const gh = await gatehouse(t)
  const res = await gh.admin('POST', '/tyk/keys', { org_id: 'default', access_rights: access('a') })
  assert.equal(res.status, 200)
  const body = res.json as { key: string, key_hash: string, action: string }
  assert.match(body.key, /^default[0-9a-f]{32}$/)
  assert.equal(body.key_hash, hashToken(body.key))
  assert.deepEqual((await gh.admin('GET', '/tyk/keys/create')).json, { status: 'error', message: 'Key not found' })
})

test('POST /tyk/keys/preview applies nothing to storage', async (t) => {
  const gh = await gatehouse(t)
  const res = await gh.admin('POST', '/tyk/keys/preview', { rate: 3, access_rights: access('a') })
  assert.equal(res.status, 200)
  const session = res.json as Record<string, unknown>
  assert.equal(session.rate, 3)
  assert.match(String(session.last_updated), /^\d+$/)
  assert.deepEqual((await gh.admin('GET', '/tyk/keys')).json, { keys: [] })
})

test('POST /tyk/keys/policy/{hash} replaces the policy list; GET shows it', async (t) => {
  const gh = await gatehouse(t)
  const a = (await gh.admin('POST', '/tyk/keys/create', { access_rights: access('a') })).json as { key: string, key_hash: string }
  const res = await gh.admin('POST', `/tyk/keys/policy/${a.key_hash}`, { policy: 'p3', apply_policies: ['p1', 'p2'] })
  assert.deepEqual(res.json, { key: a.key_hash, status: 'ok', action: 'updated' })
  assert.deepEqual((await gh.admin('GET', `/tyk/keys/policy/${a.key_hash}`)).json, { key: a.key_hash, apply_policies: ['p1', 'p2', 'p3'], apply_policy_id: '' })
  const session = (await gh.admin('GET', `/tyk/keys/${a.key}`)).json as { apply_policies: string[] }
  assert.deepEqual(session.apply_policies, ['p1', 'p2', 'p3'])
  assert.equal((await gh.admin('POST', '/tyk/keys/policy/nosuchhash', { policy: 'x' })).status, 404)
})

test('basic-auth passwords are stored hashed, never returned, and hide the token', async (t) => {
  const gh = await gatehouse(t)
  const res = await gh.admin('POST', '/tyk/keys/defaultuser', { org_id: 'default', access_rights: access('a'), basic_auth_data: { password: 'secret-pw' } })
  const body = res.json as { key: string, key_hash: string }
  assert.equal(body.key, '')
  assert.equal(body.key_hash, hashToken('defaultuser'), 'an id that starts with the org is not prefixed twice')
  const got = (await gh.admin('GET', '/tyk/keys/defaultuser?org_id=default')).json as { basic_auth_data: { password: string, hash_type: string } }
  assert.deepEqual(got.basic_auth_data, { password: '', hash_type: 'sha256' })
  const row = gh.store.db.prepare('SELECT session FROM keys WHERE id = ?').get(body.key_hash) as { session: string }
  assert.equal(row.session.includes('secret-pw'), false)
})

test('with hashing on, the raw key is never written to the database', async (t) => {
  const gh = await gatehouse(t)
  const a = (await gh.admin('POST', '/tyk/keys/create', { access_rights: access('a'), org_id: 'org9' })).json as { key: string }
  const b = (await gh.admin('POST', '/tyk/keys/customRawKey', { access_rights: access('a'), org_id: 'org9' })).json as { key: string }
  gh.store.db.pragma('wal_checkpoint(TRUNCATE)')
  const { readFileSync, readdirSync } = await import('node:fs')
  for (const file of readdirSync(gh.dataDir)) {
    const bytes = readFileSync(`${gh.dataDir}/${file}`).toString('latin1')
    assert.equal(bytes.includes(a.key), false, `${file} holds a raw generated key`)
    assert.equal(bytes.includes(b.key), false, `${file} holds a raw custom key`)
  }
})

test('a legacy murmur32 collision never lets one token take over another key', async (t) => {
  const gh = await gatehouse(t)
  // Tyk's murmur32 ignores the last len%4 bytes: these two tokens share a storage name
  const first = await gh.admin('POST', '/tyk/keys/collide-0000', { access_rights: access('a') })
  assert.equal(first.status, 200)
  const second = await gh.admin('POST', '/tyk/keys/collide-0000x', { access_rights: access('b') })
  assert.equal(hashToken('collide-0000x'), hashToken('collide-0000'))
  assert.equal(second.status, 409)
  assert.equal((await gh.admin('GET', '/tyk/keys/collide-0000x')).status, 404)
  const original = (await gh.admin('GET', '/tyk/keys/collide-0000')).json as { access_rights: Record<string, unknown> }
  assert.deepEqual(Object.keys(original.access_rights), ['a'])
})
