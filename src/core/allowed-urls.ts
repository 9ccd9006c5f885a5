import type { AllowedUrl } from '../model/session.js'
import { deny, PASS, type Verdict } from './verdict.js'

const RESOURCE_DISALLOWED = deny('RESOURCE_DISALLOWED')
const INVALID = /(?!)/ // never matches: Tyk skips an invalid pattern, which can only lead to a 403
const compiled = new Map<string, RegExp>()
const MAX_COMPILED = 10_000

/**
 * Tyk's path pattern to a regex (PreparePathRegexp): `{name}` is one segment, `/*\/` one
 * segment, a trailing `/*` anything. Compiled once per distinct pattern and kept.
 */
export function pathPattern (url: string): RegExp {
  let regex = compiled.get(url)
  if (regex === undefined) {
    const source = url.replace(/\{[^}/]*\}/g, '([^/]+)').replaceAll('/*/', '/[^/]+/').replace(/\/\*/g, '/.*')
    try {
      regex = new RegExp(source)
    } catch {
      regex = INVALID
    }
    if (compiled.size >= MAX_COMPILED) compiled.clear()
    compiled.set(url, regex)
  }
  return regex
}

/**
 * Tyk's MW:GranularAccess (spec gateway 1.3.8), legacy matching: each pattern is an unanchored
 * regex tested against the full request path; methods compare exactly (upper case).
 */
export function checkAllowedUrls (allowed: readonly AllowedUrl[] | undefined, method: string, path: string): Verdict {
  if (allowed === undefined || allowed.length === 0) return PASS
  for (const entry of allowed) {
    if (entry.methods?.includes(method) !== true) continue
    if (pathPattern(entry.url).test(path)) return PASS
  }
  return RESOURCE_DISALLOWED
}
