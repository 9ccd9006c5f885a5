/**
 * A query string less one parameter, re-encoded as Go's url.Values.Encode does after Del: sorted
 * by name, each name's values in their order. Tyk does this for strip_auth_data with use_param,
 * only when the parameter is there, and for strip_versioning_data with url-param versioning
 * whether it is there or not (`always`, gateway/api_definition.go getVersionFromRequest).
 */
export function queryWithout (query: string, name: string, always: boolean): string {
  if (query === '') return query
  const params = new URLSearchParams(query)
  if (!always && !params.has(name)) return query
  params.delete(name)
  params.sort()
  return params.toString()
}
