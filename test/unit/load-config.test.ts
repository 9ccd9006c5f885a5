import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../../src/cli/load-config.js'
import { tykFixture } from '../helpers/fixtures.js'

const FIXTURE = tykFixture('tyk/tyk.conf.example')

/** Writes `contents` (JSON-encoded unless a string) to tyk.conf in a fresh temp folder. */
async function writeConf (t: TestContext, contents: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-config-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'tyk.conf')
  await writeFile(path, typeof contents === 'string' ? contents : JSON.stringify(contents))
  return path
}

function at (value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], value)
}

await test('the Tyk example config loads as it is', () => {
  const config = loadConfig({ path: FIXTURE, env: {} })
  assert.equal(config.listen_port, 8080)
  assert.equal(config.secret, '352d20ee67be67f6340b4c0605b044b7')
  assert.equal(config.hash_keys, true)
  assert.equal(config.hash_key_function, 'murmur64')
  assert.equal(config.storage.type, 'redis')
  assert.equal(config.storage.host, 'redis')
  assert.equal(config.storage.optimisation_max_active, 4000)
  assert.equal(config.policies.policy_source, 'file')
  assert.equal(config.app_path, '/opt/tyk-gateway/apps')
  assert.equal(at(config, 'dns_cache.ttl'), 3600, 'unknown fields are kept, not refused')
})

const DEFAULTS: Array<[path: string, want: unknown]> = [
  ['listen_address', ''],
  ['listen_port', 8080],
  ['secret', ''],
  ['app_path', './apps'],
  ['hash_keys', true],
  ['hash_key_function', ''],
  ['enable_hashed_keys_listing', true],
  ['allow_master_keys', false],
  ['enforce_org_quotas', false],
  ['min_token_length', 0],
  ['health_check_endpoint_name', 'hello'],
  ['readiness_check_endpoint_name', 'ready'],
  ['control_api_port', 0],
  ['policies.policy_source', 'file'],
  ['policies.policy_record_name', ''],
  ['policies.allow_explicit_policy_id', true],
  ['storage.type', 'embedded'],
  ['storage.path', './data'],
  ['storage.host', 'localhost'],
  ['storage.port', 6379],
  ['storage.addrs', []],
  ['storage.key_prefix', 'gatehouse:'],
  ['storage.optimisation_max_idle', undefined],
  ['log_level', 'info'],
  ['graceful_shutdown_timeout_duration', 30]
]

await test('absent fields take Gatehouse defaults, with or without a file', async (t) => {
  const fromNothing = loadConfig({ env: {} })
  const fromEmptyFile = loadConfig({ path: await writeConf(t, { policies: {}, storage: {} }), env: {} })
  for (const [path, want] of DEFAULTS) {
    assert.deepEqual(at(fromNothing, path), want, `${path} without a file`)
    assert.deepEqual(at(fromEmptyFile, path), want, `${path} from {}`)
  }
})

await test('an explicit empty hash_key_function is kept (legacy murmur32 tokens)', async (t) => {
  const config = loadConfig({ path: await writeConf(t, { hash_key_function: '' }), env: {} })
  assert.equal(config.hash_key_function, '')
})

const FILE = {
  listen_port: 8080,
  secret: 'file-secret',
  hash_keys: true,
  hash_key_function: 'murmur64',
  policies: { policy_record_name: 'file-policies.json' },
  storage: { type: 'redis', path: '/file/data', port: 6379 }
}

const OVERRIDES: Array<{ name: string, value: string, path: string, want: unknown }> = [
  { name: 'TYK_GW_LISTENPORT', value: '9090', path: 'listen_port', want: 9090 },
  { name: 'TYK_GW_SECRET', value: 'env-secret', path: 'secret', want: 'env-secret' },
  { name: 'TYK_GW_HASHKEYS', value: 'false', path: 'hash_keys', want: false },
  { name: 'TYK_GW_HASHKEYS', value: '0', path: 'hash_keys', want: false },
  { name: 'TYK_GW_HASHKEYS', value: 'F', path: 'hash_keys', want: false },
  { name: 'TYK_GW_HASHKEYFUNCTION', value: 'murmur128', path: 'hash_key_function', want: 'murmur128' },
  { name: 'TYK_GW_HASHKEYFUNCTION', value: '', path: 'hash_key_function', want: '' },
  { name: 'TYK_GW_POLICIES_POLICYRECORDNAME', value: 'env.json', path: 'policies.policy_record_name', want: 'env.json' },
  { name: 'TYK_GW_STORAGE_TYPE', value: 'embedded', path: 'storage.type', want: 'embedded' },
  { name: 'TYK_GW_STORAGE_PATH', value: '/env/data', path: 'storage.path', want: '/env/data' },
  { name: 'TYK_GW_STORAGE_PORT', value: '6380', path: 'storage.port', want: 6380 },
  { name: 'TYK_GW_STORAGE_ADDRS', value: 'a:1,b:2', path: 'storage.addrs', want: ['a:1', 'b:2'] },
  { name: 'TYK_GW_ENABLEHASHEDKEYSLISTING', value: 'TRUE', path: 'enable_hashed_keys_listing', want: true },
  { name: 'TYK_GW_CONTROLAPIPORT', value: '8081', path: 'control_api_port', want: 8081 },
  { name: 'TYK_GW_PROXYDEFAULTTIMEOUT', value: '2.5', path: 'proxy_default_timeout', want: 2.5 },
  { name: 'TYK_GW_ENFORCEORGDATAAGE', value: 'true', path: 'enforce_org_data_age', want: true },
  { name: 'TYK_GW_HTTPSERVEROPTIONS_XFFDEPTH', value: '2', path: 'http_server_options.xff_depth', want: 2 },
  { name: 'TYK_GW_LOGLEVEL', value: 'warn', path: 'log_level', want: 'warn' },
  { name: 'TYK_GW_GRACEFULSHUTDOWNTIMEOUTDURATION', value: '5', path: 'graceful_shutdown_timeout_duration', want: 5 }
]

for (const c of OVERRIDES) {
  await test(`${c.name}=${JSON.stringify(c.value)} wins over the file's ${c.path}`, async (t) => {
    const config = loadConfig({ path: await writeConf(t, FILE), env: { [c.name]: c.value } })
    assert.deepEqual(at(config, c.path), c.want)
  })
}

await test('an env override creates the section the file lacks', () => {
  const config = loadConfig({ env: { TYK_GW_POLICIES_POLICYPATH: '/policies' } })
  assert.equal(config.policies.policy_path, '/policies')
  assert.equal(config.policies.policy_source, 'file')
})

const REJECTED: Array<{ name: string, file: unknown, env?: NodeJS.ProcessEnv, want: RegExp }> = [
  { name: 'listen_port "abc"', file: { listen_port: 'abc' }, want: /^tyk\.conf: listen_port must be an integer between 1 and 65535 \(got "abc"\)$/ },
  { name: 'listen_port 70000', file: { listen_port: 70000 }, want: /^tyk\.conf: listen_port must be an integer between 1 and 65535 \(got 70000\)$/ },
  { name: 'listen_port 80.5', file: { listen_port: 80.5 }, want: /listen_port must be an integer/ },
  { name: 'hash_keys "yes"', file: { hash_keys: 'yes' }, want: /^tyk\.conf: hash_keys must be a boolean \(true or false\) \(got "yes"\)$/ },
  { name: 'hash_key_function "md5"', file: { hash_key_function: 'md5' }, want: /^tyk\.conf: hash_key_function must be one of "", murmur32, murmur64, murmur128, sha256 \(got "md5"\)$/ },
  { name: 'storage.type "mongo"', file: { storage: { type: 'mongo' } }, want: /^tyk\.conf: storage\.type must be one of embedded, redis \(got "mongo"\)$/ },
  { name: 'storage.port "6379"', file: { storage: { port: '6379' } }, want: /^tyk\.conf: storage\.port must be an integer/ },
  { name: 'storage "redis"', file: { storage: 'redis' }, want: /^tyk\.conf: storage must be an object \(got "redis"\)$/ },
  { name: 'min_token_length -1', file: { min_token_length: -1 }, want: /^tyk\.conf: min_token_length must be an integer >= 0 \(got -1\)$/ },
  { name: 'policies.policy_source 5', file: { policies: { policy_source: 5 } }, want: /^tyk\.conf: policies\.policy_source must be one of "", file, service, rpc \(got 5\)$/ },
  { name: 'a top level that is an array', file: [], want: /tyk\.conf: the config must be a JSON object \(got \[\]\)$/ },
  { name: 'a top level that is null', file: 'null', want: /tyk\.conf: the config must be a JSON object \(got null\)$/ },
  { name: 'TYK_GW_LISTENPORT=abc', file: {}, env: { TYK_GW_LISTENPORT: 'abc' }, want: /^TYK_GW_LISTENPORT must be a decimal integer \(got "abc"\)$/ },
  { name: 'TYK_GW_LISTENPORT=0x50', file: {}, env: { TYK_GW_LISTENPORT: '0x50' }, want: /^TYK_GW_LISTENPORT must be a decimal integer/ },
  { name: 'TYK_GW_LISTENPORT=70000', file: {}, env: { TYK_GW_LISTENPORT: '70000' }, want: /^TYK_GW_LISTENPORT: listen_port must be an integer between 1 and 65535 \(got 70000\)$/ },
  { name: 'TYK_GW_HASHKEYS=maybe', file: {}, env: { TYK_GW_HASHKEYS: 'maybe' }, want: /^TYK_GW_HASHKEYS must be one of 1, t, .* \(got "maybe"\)$/ },
  { name: 'TYK_GW_HASHKEYS=yes', file: {}, env: { TYK_GW_HASHKEYS: 'yes' }, want: /^TYK_GW_HASHKEYS must be one of/ },
  { name: 'TYK_GW_PROXYDEFAULTTIMEOUT=soon', file: {}, env: { TYK_GW_PROXYDEFAULTTIMEOUT: 'soon' }, want: /^TYK_GW_PROXYDEFAULTTIMEOUT must be a decimal number \(got "soon"\)$/ },
  { name: 'proxy_default_timeout -1', file: { proxy_default_timeout: -1 }, want: /^tyk\.conf: proxy_default_timeout must be a number >= 0 \(got -1\)$/ },
  { name: 'TYK_GW_STORAGE_TYPE=mongo', file: {}, env: { TYK_GW_STORAGE_TYPE: 'mongo' }, want: /^TYK_GW_STORAGE_TYPE: storage\.type must be one of embedded, redis \(got "mongo"\)$/ },
  // Tyk stops on an invalid log_level (gateway/server.go, initSystem: mainLog.Fatalf)
  { name: 'log_level "verbose"', file: { log_level: 'verbose' }, want: /^tyk\.conf: log_level must be one of debug, info, warn, error \(got "verbose"\)$/ },
  { name: 'TYK_GW_LOGLEVEL=trace', file: {}, env: { TYK_GW_LOGLEVEL: 'trace' }, want: /^TYK_GW_LOGLEVEL: log_level must be one of debug, info, warn, error \(got "trace"\)$/ },
  { name: 'graceful_shutdown_timeout_duration -1', file: { graceful_shutdown_timeout_duration: -1 }, want: /^tyk\.conf: graceful_shutdown_timeout_duration must be an integer >= 0 \(got -1\)$/ }
]

for (const c of REJECTED) {
  await test(`${c.name} is rejected with a message naming it`, async (t) => {
    const path = await writeConf(t, c.file)
    assert.throws(() => loadConfig({ path, env: c.env ?? {} }), (err) => {
      assert.ok(err instanceof ConfigError)
      assert.match(err.message, c.want)
      return true
    })
  })
}

const LOG_LEVELS: Array<{ name: string, file?: string, env: NodeJS.ProcessEnv, want: string }> = [
  { name: 'log_level from the file, any case (Tyk lower-cases it)', file: 'ERROR', env: {}, want: 'error' },
  { name: 'an empty log_level is info', file: '', env: {}, want: 'info' },
  { name: 'TYK_LOGLEVEL wins over the file', file: 'error', env: { TYK_LOGLEVEL: 'Debug' }, want: 'debug' },
  { name: 'TYK_LOGLEVEL wins over TYK_GW_LOGLEVEL', env: { TYK_LOGLEVEL: 'warn', TYK_GW_LOGLEVEL: 'error' }, want: 'warn' },
  // log/log.go leaves an unknown TYK_LOGLEVEL at info, and initSystem skips the file's level
  { name: 'an invalid TYK_LOGLEVEL is info, even over the file\'s level', file: 'error', env: { TYK_LOGLEVEL: 'loud' }, want: 'info' },
  { name: 'an empty TYK_LOGLEVEL is unset', file: 'warn', env: { TYK_LOGLEVEL: '' }, want: 'warn' }
]

for (const c of LOG_LEVELS) {
  await test(c.name, async (t) => {
    const path = await writeConf(t, c.file === undefined ? {} : { log_level: c.file })
    assert.equal(loadConfig({ path, env: c.env }).log_level, c.want)
  })
}

await test('an unreadable config file (a folder) names the file and the problem', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-config-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  assert.throws(() => loadConfig({ path: dir, env: {} }), (err) => {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.message, `${dir}: cannot read the config file: it is a folder, not a file`)
    return true
  })
})

await test('invalid JSON names the file and where the error is', async (t) => {
  const path = await writeConf(t, '{\n  "listen_port": 8080,\n}\n')
  assert.throws(() => loadConfig({ path, env: {} }), (err) => {
    assert.ok(err instanceof ConfigError)
    assert.ok(err.message.startsWith(`${path}: invalid JSON at line 3, column 1`), err.message)
    return true
  })
})

await test('issue 15: a tyk.conf nested deeper than 64 levels is refused; "__proto__" in it is ignored', async (t) => {
  const deep = await writeConf(t, `{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`)
  assert.throws(() => loadConfig({ path: deep, env: {} }), (err) => {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.message, `${deep}: JSON nested deeper than 64 levels`)
    return true
  })
  const poisoned = await writeConf(t, '{"__proto__":{"listen_port":1234},"storage":{"__proto__":{"type":"redis"}}}')
  const config = loadConfig({ path: poisoned, env: {} })
  assert.equal(config.listen_port, 8080)
  assert.equal(config.storage.type, 'embedded')
})

await test('a missing file names the path', () => {
  const path = join(tmpdir(), 'gatehouse-no-such-dir', 'tyk.conf')
  assert.throws(() => loadConfig({ path, env: {} }), (err) => {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.message, `${path}: cannot read the config file: file not found`)
    return true
  })
})

await test('the returned config is deeply frozen', () => {
  const config = loadConfig({ path: FIXTURE, env: {} })
  assert.ok(Object.isFrozen(config))
  assert.throws(() => { (config as { listen_port: number }).listen_port = 1 }, TypeError)
  assert.throws(() => { (config.storage as { port: number }).port = 1 }, TypeError)
  assert.throws(() => { (config.policies as { policy_source: string }).policy_source = 'rpc' }, TypeError)
  assert.throws(() => { (config.storage.addrs as string[]).push('x') }, TypeError)
  assert.throws(() => { (at(config, 'dns_cache') as { ttl: number }).ttl = 1 }, TypeError)
})
