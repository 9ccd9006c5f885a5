import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseApiDefinition } from '../../src/core/parse-api-definition.js'
import { compileApi, type CompiledApi } from '../../src/gateway/compiled-api.js'
import { ApiRouter } from '../../src/gateway/router.js'

function compiled (apiId: string, listenPath: string, fields: Record<string, unknown> = {}): CompiledApi {
  const parsed = parseApiDefinition({ api_id: apiId, name: apiId, org_id: 'o', proxy: { listen_path: listenPath, target_url: 'http://127.0.0.1:1' }, ...fields })
  if (!parsed.ok) throw new Error(parsed.problem)
  return compileApi(parsed.api)
}

// Tyk's matching rules (spec gateway 1.1; Tyk api_loader.go sortSpecsByListenPath + gorilla
// PathPrefix): a plain string prefix of the path as the gateway hands it over (query cut off,
// not decoded, not cleaned, case kept), longest listen path first, equal ones by api_id.
// Each row: the APIs loaded as [api_id, listen_path], the request path, the api_id that serves it.
const rows: Array<[name: string, apis: Array<[string, string]>, path: string, want: string | undefined]> = [
  ['/foo matches itself', [['foo', '/foo']], '/foo', 'foo'],
  ['/foo matches /foo/', [['foo', '/foo']], '/foo/', 'foo'],
  ['/foo matches /foo/bar', [['foo', '/foo']], '/foo/bar', 'foo'],
  ['/foo matches /foobar (no segment boundary)', [['foo', '/foo']], '/foobar', 'foo'],
  ['/foo does not match /fo', [['foo', '/foo']], '/fo', undefined],
  ['/foo does not match /Foo (case kept)', [['foo', '/foo']], '/Foo/bar', undefined],
  ['/foo/ does not match /foo', [['foo', '/foo/']], '/foo', undefined],
  ['/foo/ matches /foo/', [['foo', '/foo/']], '/foo/', 'foo'],
  ['/foo/ does not match /foobar', [['foo', '/foo/']], '/foobar', undefined],
  ['/foo and /foo/: /foo/x goes to the longer', [['a', '/foo'], ['b', '/foo/']], '/foo/x', 'b'],
  ['/foo and /foo/: /foo goes to the shorter', [['a', '/foo'], ['b', '/foo/']], '/foo', 'a'],
  ['/foo and /foobar: /foobar/x goes to /foobar', [['z', '/foo'], ['a', '/foobar']], '/foobar/x', 'a'],
  ['/foo and /foobar: /foob goes to /foo', [['z', '/foo'], ['a', '/foobar']], '/foob', 'z'],
  ['nested: /a/b/c goes to /a/b/', [['outer', '/a/'], ['inner', '/a/b/']], '/a/b/c', 'inner'],
  ['nested: /a/b goes to /a/ (inner needs its slash)', [['outer', '/a/'], ['inner', '/a/b/']], '/a/b', 'outer'],
  ['nested: /a/c goes to /a/', [['outer', '/a/'], ['inner', '/a/b/']], '/a/c', 'outer'],
  ['three deep, the deepest prefix wins', [['1', '/a/'], ['2', '/a/b/'], ['3', '/a/b/c/']], '/a/b/c/d', '3'],
  ['three deep, a broken chain falls back', [['1', '/a/'], ['2', '/a/b/'], ['3', '/a/b/c/']], '/a/b/x/d', '2'],
  ['root / matches everything', [['root', '/']], '/anything/at/all', 'root'],
  ['root / matches /', [['root', '/']], '/', 'root'],
  ['root / is the fallback under longer paths', [['root', '/'], ['foo', '/foo/']], '/bar', 'root'],
  ['root / loses to a longer match', [['root', '/'], ['foo', '/foo/']], '/foo/x', 'foo'],
  ['no API matches', [['foo', '/foo/'], ['bar', '/bar/']], '/baz/', undefined],
  ['nothing loaded', [], '/x', undefined],
  ['equal listen paths: the smaller api_id', [['b', '/same/'], ['a', '/same/']], '/same/x', 'a'],
  ['equal length, different paths: the one that is a prefix', [['a', '/aa/'], ['b', '/bb/']], '/bb/x', 'b'],
  ['percent-encoded slash is not a slash', [['a', '/a'], ['ab', '/a/b/']], '/a%2Fb/x', 'a'],
  ['percent-encoded listen path matches only the encoded request', [['enc', '/caf%C3%A9/']], '/caf%C3%A9/x', 'enc'],
  ['percent-encoded listen path does not match the decoded request', [['enc', '/caf%C3%A9/']], '/café/x', undefined],
  ['double slash is not cleaned', [['a', '/a/'], ['ab', '/a/b/']], '/a//b/x', 'a'],
  ['double slash under a root API', [['root', '/']], '//x', 'root'],
  ['a path without a leading slash matches nothing but /-less', [['foo', '/foo/']], 'foo/x', undefined],
  ['the empty path matches nothing, not even /', [['root', '/']], '', undefined],
  ['non-ASCII characters compare as they are', [['u', '/ü/']], '/ü/x', 'u'],
  ['a {param} listen path is literal (Tyk: one segment; not served here)', [['p', '/users/{id}/']], '/users/42/x', undefined],
  ['a {param} listen path matches itself literally', [['p', '/users/{id}/']], '/users/{id}/x', 'p']
]

test('issue 16: Tyk\'s listen-path matching rules, as a table', () => {
  for (const [name, apis, path, want] of rows) {
    const router = new ApiRouter(apis.map(([apiId, listenPath]) => compiled(apiId, listenPath)))
    assert.equal(router.match(path)?.apiId, want, name)
  }
})

test('issue 16: an internal API is never matched on its listen path, a longer or shorter one is', () => {
  const apis = [compiled('inner', '/a/b/', { internal: true }), compiled('outer', '/a/'), compiled('hidden', '/only/', { internal: true })]
  const router = new ApiRouter(apis)
  assert.equal(router.match('/a/b/x')?.apiId, 'outer')
  assert.equal(router.match('/only/x'), undefined)
  assert.equal(router.size, 1, 'only the served APIs count')
})

test('issue 16: every one of many APIs is found, whatever the load order', () => {
  const apis: CompiledApi[] = []
  for (let i = 0; i < 500; i++) apis.push(compiled(`api-${i}`, `/svc-${i}/`))
  apis.push(compiled('svc', '/svc-'), compiled('nested', '/svc-7/inner/'))
  const router = new ApiRouter(apis.reverse())
  for (let i = 0; i < 500; i++) assert.equal(router.match(`/svc-${i}/x`)?.apiId, `api-${i}`)
  assert.equal(router.match('/svc-7/inner/x')?.apiId, 'nested')
  assert.equal(router.match('/svc-7/inne')?.apiId, 'api-7')
  assert.equal(router.match('/svc-500/x')?.apiId, 'svc')
  assert.equal(router.match('/svc-1')?.apiId, 'svc', '/svc-1/ needs its slash')
  assert.equal(router.size, 502)
})

test('issue 16: the index agrees with a linear longest-prefix scan on random listen paths', () => {
  // a small alphabet so that listen paths share prefixes, split each other's edges, and nest
  let seed = 16
  const random = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
  const word = (max: number): string => { let s = '/'; for (let n = random(max); n > 0; n--) s += 'ab/%'[random(4)]; return s }
  for (let round = 0; round < 50; round++) {
    const apis: CompiledApi[] = []
    for (let i = random(40); i >= 0; i--) apis.push(compiled(`id-${random(30)}-${i}`, word(6)))
    const linear = [...apis].sort((a, b) => b.listenPath.length - a.listenPath.length || a.apiId.localeCompare(b.apiId))
    const router = new ApiRouter(apis)
    for (let probe = 0; probe < 200; probe++) {
      const path = word(9)
      assert.equal(router.match(path)?.apiId, linear.find((api) => path.startsWith(api.listenPath))?.apiId, `${path} among ${apis.map((api) => api.listenPath).join(' ')}`)
    }
  }
})

test('issue 16: a match reads no API\'s listen path: the last of 10,000 costs what the only one does (a scan reads all 10,000)', () => {
  let reads = 0
  const many: CompiledApi[] = []
  for (let i = 0; i < 10_000; i++) {
    const api = compiled(`api-${String(i).padStart(5, '0')}`, `/service-${i}/`)
    // counts what a match consults per API; speed itself is bench/micro/router.ts's to measure
    many.push(new Proxy(api, { get: (target, name, receiver) => { if (name === 'listenPath') reads++; return Reflect.get(target, name, receiver) as unknown } }))
  }
  const router = new ApiRouter(many)
  reads = 0
  assert.equal(router.match('/service-9999/orders/42')?.apiId, 'api-09999')
  assert.equal(router.match('/service-0/')?.apiId, 'api-00000')
  assert.equal(router.match('/nothing'), undefined)
  assert.equal(reads, 0)
})
