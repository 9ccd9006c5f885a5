/**
 * strip_versioning_data (or the old strip_path) with url versioning, as Tyk's
 * getVersionFromRequest does it (gateway/api_definition.go): the first `<version>/` in the
 * whole request path goes, before the listen path is stripped, so `/api/v1/users` becomes
 * `/api/users` while `/api/v1` stays as it is (no slash follows the version). With a
 * url_versioning_pattern the version is stripped only when the pattern finds a match in it.
 * `version` is the first segment after the listen path, the one the request named.
 */
export function stripUrlVersion (path: string, version: string, pattern: RegExp | undefined): string {
  if (version === '' || (pattern !== undefined && !pattern.test(version))) return path
  const at = path.indexOf(version + '/')
  return at === -1 ? path : path.slice(0, at) + path.slice(at + version.length + 1)
}
