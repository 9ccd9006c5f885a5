import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/cli/load-config.js'
import { unusedConfFields } from '../../src/cli/unused-conf-fields.js'
import { configWarnings } from '../../src/cli/config-warnings.js'
import { TYK_CONF_FIELDS } from '../../src/cli/tyk-conf-fields.js'
import { ConfigSchema } from '../../src/model/config.js'
import { tykFixture } from '../helpers/fixtures.js'

async function configOf (t: TestContext, file: object): Promise<ReturnType<typeof loadConfig>> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-unused-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'tyk.conf'), JSON.stringify(file))
  return loadConfig({ path: join(dir, 'tyk.conf'), env: {} })
}

const names = (fields: ReturnType<typeof unusedConfFields>['ignored']): string[] => fields.map((field) => field.name)

test('Tyk\'s sample tyk.conf: the fields set there that Gatehouse does not act on, and no typos', () => {
  const unused = unusedConfFields(loadConfig({ path: tykFixture('tyk/tyk.conf.example'), env: {} }))
  assert.deepEqual(names(unused.ignored).sort(), [
    'dns_cache', 'http_server_options.enable_path_prefix_matching', 'http_server_options.enable_path_suffix_matching',
    'http_server_options.enable_strict_routes', 'max_idle_connections_per_host', 'middleware_path',
    'storage.host', 'storage.optimisation_max_active', 'storage.optimisation_max_idle', 'template_path'
  ])
  assert.equal(unused.ignored.find((field) => field.name === 'storage.host')?.reason, 'redis storage is not supported yet')
  assert.deepEqual(unused.unknown, [])
})

test('fields Gatehouse acts on are never listed, whatever their value', async (t) => {
  const file = { listen_port: 9999, secret: 's', log_level: 'debug', graceful_shutdown_timeout_duration: 5, enable_analytics: false, proxy_default_timeout: 3, control_api_port: 0 }
  const nested = { policies: { policy_path: '/p' }, storage: { type: 'embedded', path: '/d', port: 6379 }, http_server_options: { xff_depth: 2 } }
  const unused = unusedConfFields(await configOf(t, { ...file, ...nested }))
  assert.deepEqual(unused, { ignored: [], unknown: [] })
})

test('Tyk fields at Go\'s zero value ask for nothing and are not listed; set, they are', async (t) => {
  const quiet = unusedConfFields(await configOf(t, { enable_jsvm: false, analytics_config: { type: '', ignored_ips: [] }, hostname: '' }))
  assert.deepEqual(quiet.ignored, [])
  const loud = unusedConfFields(await configOf(t, { enable_jsvm: true, analytics_config: { type: 'mongo' }, http_server_options: { read_timeout: 10 } }))
  assert.deepEqual(names(loud.ignored), ['enable_jsvm', 'analytics_config', 'http_server_options.read_timeout'])
})

test('fields Gatehouse reads but does not act on yet count when set away from their default, with the reason', async (t) => {
  const unused = unusedConfFields(await configOf(t, { control_api_port: 9696, policies: { allow_explicit_policy_id: false }, storage: { addrs: ['r:6379'] } }))
  assert.deepEqual(unused.ignored, [
    { name: 'control_api_port', reason: 'the management API is served on listen_port' },
    { name: 'policies.allow_explicit_policy_id', reason: 'policies come from files and the API only' },
    { name: 'storage.addrs', reason: 'redis storage is not supported yet' }
  ])
})

test('names neither Tyk nor Gatehouse knows are typos, at the top level and in the nested objects', async (t) => {
  const unused = unusedConfFields(await configOf(t, { lisen_port: 1, storage: { pth: '/d' }, policies: { policy_pth: '/p' }, http_server_options: { xff_dept: 1 } }))
  assert.deepEqual([...unused.unknown].sort(), ['http_server_options.xff_dept', 'lisen_port', 'policies.policy_pth', 'storage.pth'])
})

test('every ConfigSchema field is Tyk\'s or ours on purpose: Tyk\'s list knows the Tyk names we model', () => {
  const ours = new Set(['storage.path', 'storage.key_prefix', 'session_cache_bytes', 'unknown_token_cache_entries'])
  for (const [parent, schema] of [['', ConfigSchema], ['storage', ConfigSchema.properties.storage], ['policies', ConfigSchema.properties.policies], ['http_server_options', ConfigSchema.properties.http_server_options]] as const) {
    for (const name of Object.keys(schema.properties)) {
      const dotted = parent === '' ? name : `${parent}.${name}`
      assert.ok(ours.has(dotted) || TYK_CONF_FIELDS[parent]?.includes(name), `${dotted} is neither Tyk's nor listed as ours`)
    }
  }
})

test('the start-up warnings: one line for ignored fields, one for typos, one for an invalid TYK_LOGLEVEL', async (t) => {
  const config = await configOf(t, { dns_cache: { enabled: true }, control_api_port: 9696, storage: { host: 'redis', port: 6380 }, lisen_port: 1 })
  assert.deepEqual(configWarnings(config, { TYK_LOGLEVEL: 'LOUD' }), [
    'tyk.conf: Tyk fields that Gatehouse recognises but does not act on: dns_cache, control_api_port (the management API is served on listen_port), storage.host, storage.port (redis storage is not supported yet)',
    'tyk.conf: fields that neither Tyk nor Gatehouse knows (typos?), ignored: lisen_port',
    'TYK_LOGLEVEL "LOUD" is not one of debug, info, warn, error: logging at info'
  ])
  assert.deepEqual(configWarnings(loadConfig({ env: {} }), { TYK_LOGLEVEL: 'Error' }), [], 'nothing to say about a plain start')
})
