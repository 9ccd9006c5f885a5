import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BASE_ROUTE, routeVersion, type VersionLinks, type VersionRoute } from '../../src/core/version-route.js'

const links = (fields: Partial<VersionLinks> = {}): VersionLinks => ({
  baseName: 'v1',
  defaultName: 'self',
  fallbackToDefault: false,
  versions: new Map([['v2', 'api-v2'], ['v3', 'api-v3'], ['gone', 'api-gone']]),
  ...fields
})
// the loaded APIs: 'gone' is listed but not loaded
const routes = new Map<string, VersionRoute<string>>([['v2', { kind: 'version', api: 'api-v2' }], ['v3', { kind: 'version', api: 'api-v3' }]])

test('issue 15: a base API routes a version as Tyk\'s mw_version_check.go does', () => {
  const cases: Array<[name: string, links: VersionLinks, requested: string, want: string]> = [
    ['a listed version goes to its API', links(), 'v2', 'api-v2'],
    ['the base\'s own name is the base', links(), 'v1', 'base'],
    ['"self" is the base', links(), 'self', 'base'],
    ['no version: the default, "self"', links(), '', 'base'],
    ['no version: the default, a version', links({ defaultName: 'v3' }), '', 'api-v3'],
    ['no version and no default, the base named: 403', links({ defaultName: '' }), '', 'VERSION_INFO_NOT_FOUND'],
    ['no version, no default, no base name: Tyk\'s isBase("") holds', links({ defaultName: '', baseName: '' }), '', 'base'],
    ['unknown: 404', links(), 'v9', 'VERSION_API_NOT_FOUND'],
    ['listed but not loaded: 404', links(), 'gone', 'VERSION_API_NOT_FOUND'],
    ['unknown, fallback to the base', links({ fallbackToDefault: true }), 'v9', 'base'],
    ['unknown, fallback to the base by name', links({ fallbackToDefault: true, defaultName: 'v1' }), 'v9', 'base'],
    ['unknown, fallback to a version', links({ fallbackToDefault: true, defaultName: 'v2' }), 'v9', 'api-v2'],
    ['unknown, fallback to a default not loaded: 500', links({ fallbackToDefault: true, defaultName: 'gone' }), 'v9', 'VERSION_DEFAULT_API_MISSING'],
    ['unknown, fallback to a default not listed: 500', links({ fallbackToDefault: true, defaultName: 'v7' }), 'v9', 'VERSION_DEFAULT_API_MISSING']
  ]
  for (const [name, versionLinks, requested, want] of cases) {
    const route = routeVersion(versionLinks, routes, requested)
    assert.equal(route.kind === 'version' ? route.api : route.kind === 'deny' ? route.error : route.kind, want, name)
  }
  assert.equal(routeVersion(links(), routes, 'v1'), BASE_ROUTE, 'made once, not per request')
  assert.equal(routeVersion(links(), routes, 'v2'), routes.get('v2'))
})
