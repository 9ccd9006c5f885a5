/**
 * The upstream path and query for a request (spec gateway 6.1): optionally strip the listen
 * path, join with the target's path (single slash), join query strings with '&'.
 */
export function upstreamPath (requestPath: string, requestQuery: string, listenPath: string, stripListenPath: boolean, targetPath: string, targetQuery: string): string {
  let path = requestPath
  if (stripListenPath && path.startsWith(listenPath)) {
    path = path.slice(listenPath.length)
  }
  const base = targetPath.endsWith('/') ? targetPath.replace(/\/+$/, '') : targetPath
  const rest = path.startsWith('/') ? path.replace(/^\/+/, '') : path
  let joined = rest === '' ? base : `${base}/${rest}`
  if (joined === '') joined = '/'
  else if (!joined.startsWith('/')) joined = '/' + joined
  const query = targetQuery !== '' && requestQuery !== '' ? `${targetQuery}&${requestQuery}` : targetQuery + requestQuery
  return query === '' ? joined : `${joined}?${query}`
}
