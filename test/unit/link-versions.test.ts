import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseApiDefinition } from '../../src/core/parse-api-definition.js'
import { compileApi, type CompiledApi } from '../../src/gateway/compiled-api.js'
import { ApiRouter } from '../../src/gateway/router.js'

function compiled (apiId: string, name: string, definition: Record<string, unknown> = {}): CompiledApi {
  const parsed = parseApiDefinition({ api_id: apiId, name, org_id: 'o', definition, proxy: { listen_path: `/${apiId}/`, target_url: 'http://127.0.0.1:1' } })
  if (!parsed.ok) throw new Error(parsed.problem)
  return compileApi(parsed.api)
}

test('issue 15: a base API\'s versions resolve, once per router, by api_id or Tyk\'s looping name', () => {
  const base = compiled('base', 'Base', {
    enabled: true,
    name: 'v1',
    default: 'self',
    versions: { byId: 'child', byName: 'orders-API', itself: 'base', missing: 'nowhere', empty: '' }
  })
  const child = compiled('child', 'Child')
  // Tyk's APILoopingName: "Orders API #internal" -> "Orders-API", matched case-insensitively
  const named = compiled('named', 'Orders API #internal')
  const router = new ApiRouter([base, child, named])
  const links = base.versionLinks
  assert.ok(links !== undefined)
  const served = (version: string): string => {
    const route = router.routeVersion(base, links, version)
    return route.kind === 'version' ? route.api.apiId : route.kind === 'deny' ? route.error : route.kind
  }
  assert.equal(served('byId'), 'child')
  assert.equal(served('byName'), 'named')
  assert.equal(served('itself'), 'base', 'a version naming the base is the base, not a loop')
  assert.equal(served('missing'), 'VERSION_API_NOT_FOUND')
  assert.equal(served('empty'), 'VERSION_API_NOT_FOUND')
  assert.deepEqual(router.unresolvedVersions, [
    'API base: version missing names API nowhere, which is not loaded',
    'API base: version empty names no API'
  ])
  assert.equal(child.versionLinks, undefined, 'an API without definition.enabled has no links to look at')
  assert.equal(child.versioning.location, 'none', 'nor reads a version')
})
