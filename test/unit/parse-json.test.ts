import { test } from 'node:test'
import assert from 'node:assert/strict'
import { JSON_DEPTH_LIMIT, parseJson } from '../../src/core/parse-json.js'
import { completeFields, normalizeFieldNames } from '../../src/core/schema-fields.js'
import { SessionSchema } from '../../src/model/session.js'

const nested = (levels: number, open = '[', close = ']'): string => open.repeat(levels) + close.repeat(levels)
const TOO_DEEP = { ok: false, problem: 'JSON nested deeper than 64 levels' }

const cases: Array<{ name: string, text: string, want: unknown }> = [
  { name: '64 levels of arrays pass', text: nested(JSON_DEPTH_LIMIT), want: { ok: true, value: JSON.parse(nested(JSON_DEPTH_LIMIT)) } },
  { name: '65 levels of arrays are refused', text: nested(JSON_DEPTH_LIMIT + 1), want: TOO_DEEP },
  { name: 'thousands of levels of objects are refused', text: '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), want: TOO_DEEP },
  { name: 'brackets inside strings do not count', text: JSON.stringify({ a: '['.repeat(5000), b: '{"\\"['.repeat(100) }), want: { ok: true, value: { a: '['.repeat(5000), b: '{"\\"['.repeat(100) } } },
  { name: 'siblings do not add up', text: `[${Array(200).fill(nested(10)).join(',')}]`, want: { ok: true, value: JSON.parse(`[${Array(200).fill(nested(10)).join(',')}]`) } },
  { name: '__proto__, constructor and prototype are dropped at any depth', text: '{"a":{"__proto__":{"x":1},"constructor":{"prototype":{}},"prototype":2,"b":[{"__proto__":3,"c":4}]},"constructor":1}', want: { ok: true, value: { a: { b: [{ c: 4 }] } } } },
  { name: 'also when spelt with escapes', text: '{"\\u005f\\u005fproto__":{"x":1},"\\u0063onstructor":1,"d":"\\u0041"}', want: { ok: true, value: { d: 'A' } } },
  { name: 'the names as values are values', text: '{"a":"__proto__","b":["constructor","prototype"]}', want: { ok: true, value: { a: '__proto__', b: ['constructor', 'prototype'] } } }
]

for (const c of cases) {
  test(`parseJson: ${c.name}`, () => {
    assert.deepEqual(parseJson(c.text), c.want)
  })
}

test('parseJson: invalid JSON is a problem with V8\'s message, never a throw', () => {
  const parsed = parseJson('{"a":')
  assert.equal(parsed.ok, false)
  assert.ok(!parsed.ok && parsed.problem.startsWith('invalid JSON: ') && parsed.syntaxError !== undefined)
})

test('parseJson: a dropped "__proto__" leaves the prototype alone', () => {
  const parsed = parseJson('{"__proto__":{"is_inactive":true}}')
  assert.ok(parsed.ok)
  assert.equal(Object.getPrototypeOf(parsed.value), Object.prototype)
  assert.equal((parsed.value as { is_inactive?: boolean }).is_inactive, undefined)
})

// normalizeFieldNames and completeFields are safe on their own too: JSON.parse keeps
// "__proto__" as a data member, and their out[key] = value copies would make it the prototype.
test('schema-fields: a "__proto__" member from plain JSON.parse never becomes a prototype; "toString" is an unknown field like any', () => {
  const raw: unknown = JSON.parse('{"org_id":"o","__proto__":{"is_inactive":true},"access_rights":{"__proto__":{"b":{"api_id":"b"}},"a":{"api_id":"a"}},"toString":1}')
  const normalized = normalizeFieldNames(SessionSchema, raw) as Record<string, unknown>
  const completed = completeFields(SessionSchema, normalized) as Record<string, unknown>
  for (const value of [normalized, completed]) {
    assert.equal(Object.getPrototypeOf(value), Object.prototype)
    assert.equal(Object.getPrototypeOf(value.access_rights), Object.prototype)
    assert.equal((value.access_rights as Record<string, unknown>).b, undefined)
    assert.equal(value.toString, 1)
  }
  assert.equal(completed.is_inactive, false)
})
