import { test } from 'node:test'
import assert from 'node:assert/strict'
import { upstreamPath } from '../../src/core/upstream-path.js'
import { stripBearer } from '../../src/core/bearer.js'
import { checkExpiry } from '../../src/core/expiry.js'

// gateway spec 6.1's table, row for row
const ROWS: Array<[listenPath: string, strip: boolean, targetPath: string, targetQuery: string, path: string, query: string, want: string]> = [
  ['/api/', true, '', '', '/api/users', 'x=1', '/users?x=1'],
  ['/api/', true, '', '', '/api/', '', '/'],
  ['/api/', false, '/base', '', '/api/users', '', '/base/api/users'],
  ['/api', true, '/base/', '', '/api', '', '/base'],
  ['/api', true, '/base', '', '/api/users/', '', '/base/users/'],
  ['/api', true, '/base', 'k=v', '/api/u', 'x=1', '/base/u?k=v&x=1'],
  ['/api', true, '', '', '/apixyz', '', '/xyz']
]

test('upstream paths join as Tyk joins them', () => {
  for (const [listenPath, strip, targetPath, targetQuery, path, query, want] of ROWS) {
    assert.equal(upstreamPath(path, query, listenPath, strip, targetPath, targetQuery), want, `${listenPath} ${path}`)
  }
})

test('one case-insensitive "Bearer " prefix is stripped, nothing else', () => {
  const cases: Array<[string, string]> = [
    ['Bearer abc', 'abc'], ['bearer abc', 'abc'], ['bEaReR abc', 'abc'], ['Bearer: abc', 'Bearer: abc'],
    ['Basic abc', 'Basic abc'], ['abc', 'abc'], ['Bearer ', ''], ['Bearer  abc', ' abc'], ['Bearer Bearer x', 'Bearer x']
  ]
  for (const [input, want] of cases) assert.equal(stripBearer(input), want, input)
})

test('inactive beats expired; expires <= 0 never expires', () => {
  const now = 1_700_000_000_000
  const cases: Array<[is_inactive: boolean, expires: number, want: string]> = [
    [false, 0, 'ok'], [false, -1, 'ok'], [false, 1, 'KEY_EXPIRED'], [false, now / 1000 + 10, 'ok'],
    [false, now / 1000 - 1, 'KEY_EXPIRED'], [true, 0, 'KEY_INACTIVE'], [true, 1, 'KEY_INACTIVE'], [false, now / 1000, 'ok']
  ]
  for (const [isInactive, expires, want] of cases) {
    const verdict = checkExpiry({ is_inactive: isInactive, expires }, now)
    assert.equal(verdict.ok ? 'ok' : verdict.error, want, `${String(isInactive)} ${expires}`)
  }
})
