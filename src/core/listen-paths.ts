/**
 * Tyk's answer to two APIs on one listen path (spec management-api 5.4, case 70): the API that
 * had the path keeps it, a later one gets "-<api_id>" appended, then "_" until it is free.
 * Returns the listen path for each API, in input order.
 */
export function deduplicateListenPaths (apis: ReadonlyArray<{ readonly apiId: string, readonly listenPath: string }>): string[] {
  const taken = new Set<string>()
  return apis.map(({ apiId, listenPath }) => {
    let candidate = listenPath
    if (taken.has(candidate)) {
      const trailing = listenPath.length > 1 && listenPath.endsWith('/')
      const base = trailing ? listenPath.slice(0, -1) : listenPath
      candidate = `${base}-${apiId}`
      while (taken.has(trailing ? candidate + '/' : candidate)) candidate += '_'
      if (trailing) candidate += '/'
    }
    taken.add(candidate)
    return candidate
  })
}
