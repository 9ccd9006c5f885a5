import { validateHeaderName, validateHeaderValue } from 'node:http'
import { pathPattern } from './allowed-urls.js'

/** What a version's path lists say of one request (spec gateway 5.5). */
export type PathOutcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'reply', readonly code: number, readonly body: string, readonly headers: Readonly<Record<string, string>> }

type Action = PathOutcome

interface PathRule {
  readonly regex: RegExp
  /** the method the entry names ('' = any), or, in the method_actions form, what each method does */
  readonly method: string
  readonly methodActions: ReadonlyMap<string, Action> | undefined
}

/** A version's ignored, black and white lists, compiled once at load. */
export interface PathLists {
  readonly ignored: readonly PathRule[]
  readonly blackList: readonly PathRule[]
  readonly whiteList: readonly PathRule[]
}

const PASS: PathOutcome = Object.freeze({ kind: 'pass' })
const IGNORED: PathOutcome = Object.freeze({ kind: 'ignored' })
const FORBIDDEN: PathOutcome = Object.freeze({ kind: 'forbidden' })

/**
 * A version's lists: `extended_paths` entries with `use_extended_paths`, else the legacy `paths`
 * string lists (any method). Undefined when the version lists nothing (the common case).
 */
export function compilePathLists (version: Readonly<Record<string, unknown>>): PathLists | undefined {
  const ignoreCase = version.ignore_endpoint_case === true
  const extended = version.use_extended_paths === true
  const source = (extended ? version.extended_paths : version.paths) as Record<string, unknown> | null | undefined
  if (source === null || typeof source !== 'object') return undefined
  const rules = (name: string, meaning: Action): PathRule[] => {
    const entries = source[name]
    if (!Array.isArray(entries)) return []
    const out: PathRule[] = []
    for (const entry of entries as unknown[]) {
      const rule = extended ? extendedRule(entry, meaning, ignoreCase) : legacyRule(entry, ignoreCase)
      if (rule !== undefined) out.push(rule)
    }
    return out
  }
  const lists = { ignored: rules('ignored', IGNORED), blackList: rules('black_list', FORBIDDEN), whiteList: rules('white_list', PASS) }
  return lists.ignored.length + lists.blackList.length + lists.whiteList.length === 0 ? undefined : lists
}

function legacyRule (entry: unknown, ignoreCase: boolean): PathRule | undefined {
  if (typeof entry !== 'string') return undefined
  return { regex: patternOf(entry, ignoreCase), method: '', methodActions: undefined }
}

function extendedRule (entry: unknown, meaning: Action, versionIgnoresCase: boolean): PathRule | undefined {
  if (entry === null || typeof entry !== 'object') return undefined
  const fields = entry as Record<string, unknown>
  if (fields.disabled === true || typeof fields.path !== 'string') return undefined
  const regex = patternOf(fields.path, versionIgnoresCase || fields.ignore_case === true)
  // the older form: present (even {}) means the method field is not read
  const actions = fields.method_actions
  if (actions !== undefined && actions !== null && typeof actions === 'object') {
    const methodActions = new Map<string, Action>()
    for (const [method, action] of Object.entries(actions as Record<string, unknown>)) methodActions.set(method, actionOf(action, meaning))
    return { regex, method: '', methodActions }
  }
  return { regex, method: typeof fields.method === 'string' ? fields.method : '', methodActions: undefined }
}

function actionOf (action: unknown, meaning: Action): Action {
  const fields = (action !== null && typeof action === 'object' ? action : {}) as Record<string, unknown>
  if (fields.action === 'no_action') return meaning
  if (fields.action !== 'reply') return FORBIDDEN
  const headers: Record<string, string> = {}
  if (fields.headers !== null && typeof fields.headers === 'object') {
    for (const [name, value] of Object.entries(fields.headers as Record<string, unknown>)) {
      if (typeof value === 'string' && isValidHeader(name, value)) headers[name] = value
    }
  }
  return Object.freeze({ kind: 'reply', code: typeof fields.code === 'number' && Number.isInteger(fields.code) && fields.code >= 200 && fields.code <= 599 ? fields.code : 200, body: typeof fields.data === 'string' ? fields.data : '', headers })
}

/** A header Node could not write would throw on the request path: it is dropped at load instead. */
function isValidHeader (name: string, value: string): boolean {
  try {
    validateHeaderName(name)
    validateHeaderValue(name, value)
    return true
  } catch {
    return false
  }
}

function patternOf (path: string, ignoreCase: boolean): RegExp {
  const regex = pathPattern(path)
  return ignoreCase ? new RegExp(regex.source, 'i') : regex
}

/**
 * Tyk's order: ignored, black list, white list; the first entry matching path and method wins.
 * With any white-list entry, a request no entry matched is forbidden. `paths` are the forms an
 * unanchored pattern is tried on: the path without the listen path, then the full path.
 */
export function checkPathLists (lists: PathLists, method: string, strippedPath: string, fullPath: string): PathOutcome {
  const found = firstMatch(lists.ignored, IGNORED, method, strippedPath, fullPath) ??
    firstMatch(lists.blackList, FORBIDDEN, method, strippedPath, fullPath) ??
    firstMatch(lists.whiteList, PASS, method, strippedPath, fullPath)
  if (found !== undefined) return found
  return lists.whiteList.length > 0 ? FORBIDDEN : PASS
}

function firstMatch (rules: readonly PathRule[], meaning: Action, method: string, strippedPath: string, fullPath: string): Action | undefined {
  for (const rule of rules) {
    if (rule.methodActions === undefined && rule.method !== '' && rule.method !== method) continue
    if (rule.methodActions !== undefined && !rule.methodActions.has(method)) continue
    if (!rule.regex.test(strippedPath) && !rule.regex.test(fullPath)) continue
    return rule.methodActions?.get(method) ?? meaning
  }
  return undefined
}
