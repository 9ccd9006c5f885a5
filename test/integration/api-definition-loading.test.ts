import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'
import { capturedLogger, WARN } from '../helpers/logs.js'

// Issue 15, points 1, 2 and 4: Tyk's API definitions load as Tyk loads them; no file, however
// broken, takes the process down; unsupported security features are refused, the rest warned.

async function status (gh: TestGatehouse, path: string): Promise<number> {
  const res = await fetch(gh.url + path)
  await res.arrayBuffer()
  return res.status
}

async function withUpstream (t: { after: (fn: () => Promise<void>) => void }): Promise<EchoUpstream> {
  const upstream = await startEchoUpstream()
  t.after(async () => { await upstream.close() })
  return upstream
}

test('issue 15: a keyless definition without auth, definition or version_data starts, is served and shows Tyk\'s defaults', async (t) => {
  const upstream = await withUpstream(t)
  const apps = join(tempDir(), 'apps')
  // the shape of a hand-written Tyk definition: Tyk fills every absent nested struct with zero values
  const versions = { version_data: { not_versioned: true, versions: { Default: { name: 'Default' } } } }
  writeJson(apps, 'bare.json', { api_id: 'bare', name: 'Bare', org_id: 'o1', use_keyless: true, proxy: { listen_path: '/bare/', target_url: upstream.url, strip_listen_path: true } })
  writeJson(apps, 'bare-served.json', { api_id: 'bareServed', org_id: 'o1', use_keyless: true, ...versions, proxy: { listen_path: '/bare-served/', target_url: upstream.url } })
  writeJson(apps, 'bare-keyed.json', { api_id: 'bareKeyed', org_id: 'o1', ...versions, proxy: { listen_path: '/bare-keyed/', target_url: upstream.url, strip_listen_path: true } })
  writeJson(apps, 'configs.json', { api_id: 'configs', org_id: 'o1', auth_configs: { authToken: { auth_header_name: 'X-Api-Key' } }, ...versions, proxy: { listen_path: '/configs/', target_url: upstream.url, strip_listen_path: true } })
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close() })

  assert.equal(await status(gh, '/bare-served/x'), 200)
  // without versions Tyk has no version to serve either: its 403, not a crash
  const unversioned = await fetch(`${gh.url}/bare/x`)
  assert.equal(unversioned.status, 403)
  assert.deepEqual(await unversioned.json(), { error: 'No default API version for this non-versioned API found' })
  const got = await gh.admin('GET', '/tyk/apis/bare')
  assert.equal(got.status, 200)
  const api = got.json as Record<string, Record<string, unknown>>
  assert.equal(api.auth?.auth_header_name, 'Authorization')
  assert.equal(api.auth?.use_param, false)
  assert.equal(api.definition?.location, 'header')
  assert.equal(api.definition?.key, 'x-api-version')
  assert.deepEqual(api.version_data, { not_versioned: true, default_version: '', versions: {} })
  assert.equal(api.proxy?.preserve_host_header, false)
  assert.equal(api.CORS?.enable, false)
  assert.deepEqual(api.CORS?.allowed_origins, [])
  assert.equal(api.cache_options?.enable_cache, false)
  assert.deepEqual(api.global_rate_limit, { disabled: false, rate: 0, per: 0 })

  // a keyed API without auth reads the key from Authorization, as Tyk does
  await gh.admin('POST', '/tyk/keys/bareKey12345', { org_id: 'o1', access_rights: { bareKeyed: { api_id: 'bareKeyed' }, configs: { api_id: 'configs' } } })
  assert.equal(await status(gh, '/bare-keyed/x'), 401)
  assert.equal((await fetch(`${gh.url}/bare-keyed/x`, { headers: { authorization: 'bareKey12345' } })).status, 200)
  // auth_configs.authToken wins over the deprecated auth block (Tyk's getAuthToken)
  assert.equal((await fetch(`${gh.url}/configs/x`, { headers: { 'x-api-key': 'bareKey12345' } })).status, 200)
  assert.equal((await fetch(`${gh.url}/configs/x`, { headers: { authorization: 'bareKey12345' } })).status, 401)

  // and it reloads, as often as asked
  for (let i = 0; i < 2; i++) assert.deepEqual((await gh.admin('GET', '/tyk/reload?block=true')).json, { status: 'ok', message: '' })
  assert.equal(await status(gh, '/bare-served/x'), 200)
})

interface HostileCase {
  readonly file: string
  readonly body: unknown
  /** the field the warning names; undefined when the definition loads (Go-style defaults) */
  readonly field?: string
}

const good = (apiId: string, fields: Record<string, unknown> = {}): Record<string, unknown> =>
  anApi({ api_id: apiId, listen_path: `/${apiId}/`, target: 'http://127.0.0.1:1', keyless: true, ...fields })

const version = (versionFields: unknown): Record<string, unknown> => ({ version_data: { not_versioned: true, versions: { v1: versionFields } } })

const HOSTILE: readonly HostileCase[] = [
  { file: 'null.json', body: null, field: 'definition' },
  { file: 'array.json', body: [1, 2], field: 'definition' },
  { file: 'string.json', body: 'an api', field: 'definition' },
  { file: 'auth-array.json', body: good('authArray', { auth: [] }), field: 'auth' },
  { file: 'auth-string.json', body: good('authString', { auth: 'Authorization' }), field: 'auth' },
  { file: 'auth-null.json', body: good('authNull', { auth: null }) },
  { file: 'auth-header-number.json', body: good('authHeaderNumber', { auth: { auth_header_name: 7 } }), field: 'auth.auth_header_name' },
  { file: 'definition-number.json', body: good('definitionNumber', { definition: 5 }), field: 'definition' },
  { file: 'definition-null.json', body: good('definitionNull', { definition: null, version_data: null, proxy: { listen_path: '/definitionNull/', target_url: 'http://127.0.0.1:1', target_list: null } }) },
  { file: 'definition-location-odd.json', body: good('locationOdd', { definition: { location: 'carrier-pigeon' } }) },
  { file: 'version-data-array.json', body: good('versionDataArray', { version_data: [] }), field: 'version_data' },
  { file: 'versions-string.json', body: good('versionsString', { version_data: { versions: 'v1' } }), field: 'version_data.versions' },
  { file: 'version-array.json', body: good('versionArray', version([])), field: 'version_data.versions.v1' },
  { file: 'version-name-number.json', body: good('versionNameNumber', version({ name: 5 })), field: 'version_data.versions.v1.name' },
  { file: 'version-expires-object.json', body: good('versionExpiresObject', version({ name: 'v1', expires: {} })), field: 'version_data.versions.v1.expires' },
  { file: 'version-expires-garbage.json', body: good('versionExpiresGarbage', version({ name: 'v1', expires: 'next tuesday' })) },
  { file: 'extended-paths-garbage.json', body: good('extendedGarbage', version({ name: 'v1', use_extended_paths: true, extended_paths: { ignored: [null, 5, 'x', { path: 7 }, { path: '([' }], white_list: 'x', black_list: { a: 1 }, transform: 'x' } })) },
  { file: 'extended-paths-string.json', body: good('extendedString', version({ name: 'v1', use_extended_paths: true, extended_paths: 'x' })) },
  { file: 'paths-garbage.json', body: good('pathsGarbage', version({ name: 'v1', paths: { ignored: [1, null, '(['], white_list: 'x' } })) },
  { file: 'method-actions-garbage.json', body: good('methodActions', version({ name: 'v1', use_extended_paths: true, extended_paths: { white_list: [{ path: '/a', method_actions: { GET: 'x', POST: { action: 'reply', code: 'x', headers: { 'bad header': '\n' } } } }] } })) },
  { file: 'proxy-missing.json', body: { api_id: 'proxyMissing', use_keyless: true }, field: 'proxy' },
  { file: 'proxy-null.json', body: { api_id: 'proxyNull', use_keyless: true, proxy: null }, field: 'proxy' },
  { file: 'listen-path-missing.json', body: good('listenPathMissing', { proxy: { target_url: 'http://127.0.0.1:1' } }), field: 'proxy.listen_path' },
  { file: 'listen-path-number.json', body: good('listenPathNumber', { proxy: { listen_path: 5, target_url: 'http://127.0.0.1:1' } }), field: 'proxy.listen_path' },
  { file: 'target-garbage.json', body: good('targetGarbage', { proxy: { listen_path: '/targetGarbage/', target_url: 'not a url at all' } }), field: 'proxy.target_url' },
  { file: 'target-ftp.json', body: good('targetFtp', { proxy: { listen_path: '/targetFtp/', target_url: 'ftp://example.com' } }), field: 'proxy.target_url' },
  { file: 'target-list-garbage.json', body: good('targetListGarbage', { proxy: { listen_path: '/targetListGarbage/', target_url: 'http://127.0.0.1:1', enable_load_balancing: true, target_list: ['http://[::1'] } }), field: 'proxy.target_list' },
  { file: 'target-list-numbers.json', body: good('targetListNumbers', { proxy: { listen_path: '/targetListNumbers/', target_url: 'http://127.0.0.1:1', target_list: [1] } }), field: 'proxy.target_list.0' },
  { file: 'ips-string.json', body: good('ipsString', { allowed_ips: '10.0.0.0/8' }), field: 'allowed_ips' },
  { file: 'ips-garbage.json', body: good('ipsGarbage', { blacklisted_ips: ['garbage', '300.1.1.1/99', '10.0.0.0/99', ''] }) },
  { file: 'api-id-number.json', body: good('x', { api_id: 42 }), field: 'api_id' },
  { file: 'api-id-missing.json', body: good('', { api_id: undefined }), field: 'api_id' },
  { file: 'rate-limit-string.json', body: good('rateString', { global_rate_limit: 'fast' }), field: 'global_rate_limit' },
  { file: 'tags-numbers.json', body: good('tagsNumbers', { tags: [1] }), field: 'tags.0' },
  { file: 'cors-string.json', body: good('corsString', { CORS: 'yes' }), field: 'CORS' },
  { file: 'middleware-string.json', body: good('middlewareString', { custom_middleware: { pre: 'x' } }), field: 'custom_middleware.pre' },
  { file: 'expiration-number.json', body: good('expirationNumber', { expiration: 5 }) },
  { file: 'jwt.json', body: good('jwtApi', { use_keyless: false, enable_jwt: true }), field: 'enable_jwt' },
  { file: 'zz-duplicate.json', body: good('good'), field: 'api_id' }
]

test('issue 15: hostile definitions are each skipped with a warning naming the file and the field, or loaded with defaults; a good one beside them is served', async (t) => {
  const upstream = await withUpstream(t)
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'good.json', anApi({ api_id: 'good', listen_path: '/good/', target: upstream.url, keyless: true }))
  for (const c of HOSTILE) writeJson(apps, c.file, c.body)
  writeFileSync(join(apps, 'not-json.json'), '{ "api_id": "x",\n  oops }')
  const { logger, lines } = capturedLogger()
  const gh = await startTestGatehouse({ app_path: apps }, { logger })
  t.after(async () => { await gh.close() })

  assert.equal(await status(gh, '/good/x'), 200, 'the good definition is served')
  const warnings = lines().filter((line) => line.level === WARN).map((line) => line.msg)
  for (const c of HOSTILE) {
    const path = join(apps, c.file)
    const about = warnings.filter((msg) => msg.includes(`${path} skipped`))
    if (c.field === undefined) {
      assert.deepEqual(about, [], `${c.file} loads`)
      const apiId = (c.body as { api_id: string }).api_id
      assert.equal((await gh.admin('GET', `/tyk/apis/${apiId}`)).status, 200, `${c.file} is listed`)
      // its upstream is closed: Tyk's 500, or a path-list answer, but the process stays up
      assert.notEqual(await status(gh, `/${apiId}/a`), 404, `${c.file} is routed`)
    } else {
      assert.equal(about.length, 1, `${c.file}: one warning, got ${JSON.stringify(about)}`)
      assert.match(about[0] ?? '', new RegExp(`skipped: .*${c.field.replaceAll('.', '\\.')}`), `${c.file} names ${c.field}`)
    }
  }
  assert.ok(warnings.some((msg) => msg.includes(`${join(apps, 'not-json.json')} skipped`) && msg.includes('line 2 column 3')), 'a JSON fault is placed by line and column')
  assert.equal(await status(gh, '/good/x'), 200, 'still up after every hostile API was called')
  assert.equal((await gh.admin('GET', '/tyk/apis/jwtApi')).status, 404, 'a refused API is not loaded')
  assert.equal(await status(gh, '/jwtApi/x'), 404, 'nor served')
})

test('issue 15: an unsupported security feature refuses the API with one warning; other unsupported features load it with one warning listing them', async (t) => {
  const upstream = await withUpstream(t)
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'basic.json', anApi({ api_id: 'basicApi', listen_path: '/basic/', target: upstream.url, use_basic_auth: true }))
  writeJson(apps, 'fancy.json', anApi({
    api_id: 'fancyApi',
    listen_path: '/fancy/',
    target: upstream.url,
    keyless: true,
    CORS: { enable: true, allowed_origins: ['*'] },
    version_data: { not_versioned: true, versions: { Default: { name: 'Default', use_extended_paths: true, extended_paths: { transform_headers: [{ path: '/a', method: 'GET', add_headers: { x: '1' } }] } } } }
  }))
  const { logger, lines } = capturedLogger()
  const gh = await startTestGatehouse({ app_path: apps }, { logger })
  t.after(async () => { await gh.close() })

  const warnings = lines().filter((line) => line.level === WARN).map((line) => line.msg)
  const aboutBasic = warnings.filter((msg) => msg.includes('basicApi'))
  assert.equal(aboutBasic.length, 1, JSON.stringify(aboutBasic))
  assert.match(aboutBasic[0] ?? '', /API basicApi turns on use_basic_auth, which Gatehouse does not implement/)
  assert.equal(await status(gh, '/basic/x'), 404, 'never served as a plain auth-token API')
  assert.equal(upstream.hits(), 0)

  const aboutFancy = warnings.filter((msg) => msg.includes('fancyApi'))
  assert.equal(aboutFancy.length, 1, JSON.stringify(aboutFancy))
  assert.match(aboutFancy[0] ?? '', /served without .*: CORS\.enable, version_data\.versions\.Default\.extended_paths\.transform_headers$/)
  assert.equal(await status(gh, '/fancy/x'), 200)
})
