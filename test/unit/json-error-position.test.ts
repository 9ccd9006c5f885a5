import { test } from 'node:test'
import assert from 'node:assert/strict'
import { jsonErrorPosition } from '../../src/core/json-error-position.js'

function positionOf (text: string): string | undefined {
  try {
    JSON.parse(text)
  } catch (err) {
    return jsonErrorPosition(text, err)
  }
  throw new Error('parsed')
}

// issue 15 point 22: a policies file that cannot be parsed is named with its line and column
const cases: Array<{ name: string, text: string, want: string | undefined }> = [
  { name: 'a fault on the first line', text: '{ oops }', want: 'line 1 column 3' },
  { name: 'a fault further down counts lines and columns from 1', text: '{\n  "a": 1,\n  b\n}', want: 'line 3 column 3' },
  { name: 'a cut-off file is placed at its end', text: '{\n  "a": ', want: 'line 2 column 8' }
]
for (const c of cases) {
  test(c.name, () => { assert.equal(positionOf(c.text), c.want) })
}
