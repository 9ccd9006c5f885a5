import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTykDate, resolveVersion, type Versioning } from '../../src/core/version.js'
import { checkAllowedUrls } from '../../src/core/allowed-urls.js'
import { stripUrlVersion } from '../../src/core/url-version.js'
import { upstreamPath } from '../../src/core/upstream-path.js'
import { queryWithout } from '../../src/core/query-without.js'

const NOW = Date.UTC(2026, 4, 1)
const versioned = (fields: Partial<Versioning> = {}): Versioning => ({
  notVersioned: false,
  location: 'header',
  key: 'version',
  defaultVersion: 'v1',
  fallbackToDefault: false,
  versions: new Map([['v1', Infinity], ['v2', Infinity], ['old', Date.UTC(2020, 0, 1)], ['bad', -Infinity]]),
  apiExpiresMs: Infinity,
  ...fields
})

test('version resolution follows Tyk (spec gateway 5.3)', () => {
  const cases: Array<[versioning: Versioning, requested: string, want: string]> = [
    [versioned(), 'v2', 'ok:v2'],
    [versioned(), '', 'ok:v1'],
    [versioned({ defaultVersion: '' }), '', 'VERSION_INFO_NOT_FOUND'],
    [versioned(), 'v3', 'VERSION_DOES_NOT_EXIST'],
    [versioned({ fallbackToDefault: true }), 'v3', 'ok:v1'],
    [versioned(), 'old', 'VERSION_EXPIRED'],
    [versioned(), 'bad', 'VERSION_EXPIRED'],
    [versioned({ notVersioned: true, versions: new Map([['Default', Infinity]]) }), 'anything', 'ok:-'],
    [versioned({ notVersioned: true, versions: new Map([['x', Infinity]]) }), '', 'ok:-'],
    [versioned({ notVersioned: true, versions: new Map([['Default', Infinity], ['default', Infinity]]) }), '', 'VERSION_AMBIGUOUS_DEFAULT'],
    [versioned({ notVersioned: true, versions: new Map([['a', Infinity], ['b', Infinity]]) }), '', 'VERSION_NO_DEFAULT'],
    [versioned({ notVersioned: true, versions: new Map([['Default', Infinity]]), apiExpiresMs: Date.UTC(2020, 0, 1) }), '', 'API_EXPIRED']
  ]
  for (const [versioning, requested, want] of cases) {
    const outcome = resolveVersion(versioning, requested, NOW)
    assert.equal(outcome.kind === 'ok' ? `ok:${outcome.version ?? '-'}` : outcome.error, want, `${requested} ${JSON.stringify([...versioning.versions.keys()])}`)
  }
})

test('issue 15: url versioning with strip_versioning_data drops the version segment before the listen path is stripped', () => {
  // [listen path, strip_listen_path, request path, the version it names, url_versioning_pattern, upstream path]
  const rows: Array<[string, boolean, string, string, RegExp | undefined, string]> = [
    ['/api/', true, '/api/v1/users', 'v1', undefined, '/users'],
    ['/api/', false, '/api/v1/users', 'v1', undefined, '/api/users'],
    ['/api/', true, '/api/v1/users/', 'v1', undefined, '/users/'],
    ['/api/', true, '/api/v1/', 'v1', undefined, '/'],
    // no slash after the version: Tyk leaves it (strings.Replace of "v1/")
    ['/api/', true, '/api/v1', 'v1', undefined, '/v1'],
    ['/api/', true, '/api/v1/users/v1/x', 'v1', undefined, '/users/v1/x'],
    ['/api', true, '/api/v2/a', 'v2', undefined, '/a'],
    ['/api/', true, '/api/v1/users', 'v1', /^v\d+$/, '/users'],
    ['/api/', true, '/api/latest/users', 'latest', /^v\d+$/, '/latest/users'],
    ['/api/', true, '/api/users', '', undefined, '/users']
  ]
  for (const [listenPath, stripListen, path, version, pattern, want] of rows) {
    const stripped = stripUrlVersion(path, version, pattern)
    assert.equal(upstreamPath(stripped, '', listenPath, stripListen, '', ''), want, `${listenPath} ${path}`)
  }
})

test('issue 15: a stripped query parameter leaves the rest re-encoded and sorted, as Go\'s Values.Encode', () => {
  const rows: Array<[query: string, name: string, always: boolean, want: string]> = [
    ['b=2&version=v1&a=1', 'version', true, 'a=1&b=2'],
    ['b=2&a=1', 'version', true, 'a=1&b=2'],
    ['b=2&a=1', 'version', false, 'b=2&a=1'],
    ['version=v1', 'version', true, ''],
    ['', 'version', true, ''],
    ['z=1&a=x%20y&z=0&version=v2&version=v3', 'version', false, 'a=x+y&z=1&z=0']
  ]
  for (const [query, name, always, want] of rows) assert.equal(queryWithout(query, name, always), want, query)
})

test('Tyk dates: "2006-01-02 15:04" in UTC, "" and "-1" never, garbage already expired', () => {
  assert.equal(parseTykDate('3000-01-02 15:04'), Date.UTC(3000, 0, 2, 15, 4))
  assert.equal(parseTykDate(''), Infinity)
  assert.equal(parseTykDate('-1'), Infinity)
  assert.equal(parseTykDate('tomorrow'), -Infinity)
})

test('allowed_urls: unanchored patterns on the full path, exact upper-case methods', () => {
  const allowed = [{ url: '/users', methods: ['GET'] }, { url: '/items/{id}/parts', methods: ['GET', 'POST'] }, { url: '/files/*', methods: ['GET'] }, { url: '([', methods: ['GET'] }]
  const cases: Array<[method: string, path: string, want: boolean]> = [
    ['GET', '/api/users', true], ['GET', '/api/users/9', true], ['POST', '/api/users', false], ['get', '/api/users', false],
    ['POST', '/api/items/42/parts', true], ['GET', '/api/items/4/2/parts', false], ['GET', '/api/files/a/b', true],
    ['GET', '/api/other', false]
  ]
  for (const [method, path, want] of cases) assert.equal(checkAllowedUrls(allowed, method, path).ok, want, `${method} ${path}`)
  assert.equal(checkAllowedUrls([], 'DELETE', '/x').ok, true, 'no list: everything allowed')
})
