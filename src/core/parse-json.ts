/**
 * JSON from outside (management API bodies, apps/*.json, policies.json, tyk.conf), parsed so
 * that nothing later can be tricked by it (issue 15):
 * - members named `__proto__`, `constructor` or `prototype` are dropped at any depth. JSON.parse
 *   keeps `__proto__` as an own data member, but any later `out[key] = value` copy turns it into
 *   the copy's prototype: `{"__proto__": {"is_inactive": true}}` made a key inactive. Tyk's Go
 *   structs have no such fields, so they are unknown fields, and unknown to every copy.
 * - nesting deeper than JSON_DEPTH_LIMIT levels is refused before parsing: our recursive walks
 *   and JSON.stringify overflow the stack on thousands of levels. Tyk's deepest real document
 *   (apidef/streams/bento/schema/bento-config-schema.json) has 16.
 */

import { jsonErrorPosition } from './json-error-position.js'

export const JSON_DEPTH_LIMIT = 64

export const FORBIDDEN_MEMBER_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * `problem` is the whole story for a client; `syntaxError` is V8's own message, when that was
 * it, and `position` its "line L column C" when V8 gives a place (for files, not bodies).
 */
export type ParsedJson =
  | { readonly ok: true, readonly value: unknown }
  | { readonly ok: false, readonly problem: string, readonly syntaxError?: string, readonly position?: string }

const TOO_DEEP: ParsedJson = Object.freeze({ ok: false, problem: `JSON nested deeper than ${JSON_DEPTH_LIMIT} levels` })

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d

/** Never throws: a problem (too deep, invalid JSON) comes back as a value. */
export function parseJson (text: string): ParsedJson {
  if (nestedTooDeep(text)) return TOO_DEEP
  try {
    // The reviver costs a call per value, so only a text that may hold one of the names (also
    // spelt with \u escapes) pays for it; 'proto' covers '__proto__' and 'prototype'.
    const suspect = text.includes('proto') || text.includes('constructor') || text.includes('\\u')
    return { ok: true, value: suspect ? JSON.parse(text, dropForbidden) : JSON.parse(text) }
  } catch (err) {
    const syntaxError = (err as Error).message
    return { ok: false, problem: `invalid JSON: ${syntaxError}`, syntaxError, position: jsonErrorPosition(text, err) }
  }
}

function dropForbidden (key: string, value: unknown): unknown {
  return FORBIDDEN_MEMBER_NAMES.has(key) ? undefined : value
}

/**
 * One pass over the text; strings are skipped with indexOf, which is native and much faster
 * than reading them a character at a time (most of a body is strings). A text too short to nest
 * that deep is not read at all.
 */
function nestedTooDeep (text: string): boolean {
  if (text.length <= 2 * JSON_DEPTH_LIMIT) return false
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (char === QUOTE) {
      i = closingQuote(text, i)
      if (i === -1) return false // unterminated: JSON.parse refuses it
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > JSON_DEPTH_LIMIT) return true
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}

/** The index of the quote that ends the string opened at `open`, -1 if none. */
function closingQuote (text: string, open: number): number {
  let end = text.indexOf('"', open + 1)
  while (end !== -1) {
    let backslashes = 0
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return end
    end = text.indexOf('"', end + 1)
  }
  return -1
}
