/**
 * Tyk's answer to two APIs on one listen path (spec management-api case 70): the first keeps it,
 * the n-th gets "-n" appended, so every API stays reachable. Returns the path for each API.
 */
export function deduplicateListenPaths (listenPaths: readonly string[]): string[] {
  const taken = new Set<string>()
  const seen = new Map<string, number>()
  return listenPaths.map((path) => {
    const count = (seen.get(path) ?? 0) + 1
    seen.set(path, count)
    let candidate = path
    for (let n = count; taken.has(candidate); n++) {
      const trailing = path.endsWith('/') && path.length > 1
      const base = trailing ? path.slice(0, -1) : path
      candidate = `${base}-${n === 1 ? 2 : n}${trailing ? '/' : ''}`
    }
    taken.add(candidate)
    return candidate
  })
}
