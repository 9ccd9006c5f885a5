import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deduplicateListenPaths } from '../../src/core/listen-paths.js'

test('a taken listen path gets -<api_id>, then _ until free (spec case 70)', () => {
  const cases: Array<[input: Array<[string, string]>, want: string[]]> = [
    [[['1', '/sample'], ['2', '/sample'], ['3', '/sample']], ['/sample', '/sample-2', '/sample-3']],
    [[['a', '/x/'], ['b', '/x/']], ['/x/', '/x-b/']],
    [[['a', '/p'], ['b', '/p-b'], ['b', '/p']], ['/p', '/p-b', '/p-b_']],
    [[['a', '/one'], ['b', '/two']], ['/one', '/two']]
  ]
  for (const [input, want] of cases) {
    assert.deepEqual(deduplicateListenPaths(input.map(([apiId, listenPath]) => ({ apiId, listenPath }))), want)
  }
})
