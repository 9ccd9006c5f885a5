import { readFileSync } from 'node:fs'
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import { ConfigSchema, type Config } from '../model/config.js'
import { parseJson } from '../core/parse-json.js'
import { isPlainObject as isObject } from '../core/plain-object.js'

/**
 * Reads tyk.conf once at start-up: parse, apply TYK_GW_* overrides, fill defaults, validate,
 * freeze. Every failure is a ConfigError naming the field, variable or file at fault.
 */

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type EnvKind = 'string' | 'integer' | 'number' | 'boolean' | 'list'

// Tyk runs envconfig with prefix TYK_GW over its Go struct: the names are the Go field names
// upper-cased, nested with '_' (config/config.go). STORAGE_PATH and STORAGE_KEYPREFIX are ours.
const ENV_OVERRIDES: Readonly<Record<string, { readonly path: string, readonly kind: EnvKind }>> = {
  TYK_GW_LISTENADDRESS: { path: 'listen_address', kind: 'string' },
  TYK_GW_LISTENPORT: { path: 'listen_port', kind: 'integer' },
  TYK_GW_SECRET: { path: 'secret', kind: 'string' },
  TYK_GW_APPPATH: { path: 'app_path', kind: 'string' },
  TYK_GW_HASHKEYS: { path: 'hash_keys', kind: 'boolean' },
  TYK_GW_HASHKEYFUNCTION: { path: 'hash_key_function', kind: 'string' },
  TYK_GW_ENABLEHASHEDKEYSLISTING: { path: 'enable_hashed_keys_listing', kind: 'boolean' },
  TYK_GW_ALLOWMASTERKEYS: { path: 'allow_master_keys', kind: 'boolean' },
  TYK_GW_ENFORCEORGQUOTAS: { path: 'enforce_org_quotas', kind: 'boolean' },
  TYK_GW_ENFORCEORGDATAAGE: { path: 'enforce_org_data_age', kind: 'boolean' },
  TYK_GW_ENABLEANALYTICS: { path: 'enable_analytics', kind: 'boolean' },
  TYK_GW_MINTOKENLENGTH: { path: 'min_token_length', kind: 'integer' },
  TYK_GW_PROXYDEFAULTTIMEOUT: { path: 'proxy_default_timeout', kind: 'number' },
  TYK_GW_HEALTHCHECKENDPOINTNAME: { path: 'health_check_endpoint_name', kind: 'string' },
  TYK_GW_READINESSCHECKENDPOINTNAME: { path: 'readiness_check_endpoint_name', kind: 'string' },
  TYK_GW_CONTROLAPIPORT: { path: 'control_api_port', kind: 'integer' },
  TYK_GW_LOGLEVEL: { path: 'log_level', kind: 'string' },
  TYK_GW_GRACEFULSHUTDOWNTIMEOUTDURATION: { path: 'graceful_shutdown_timeout_duration', kind: 'integer' },
  // Gatehouse's own fields, named as envconfig would name them
  TYK_GW_SESSIONCACHEBYTES: { path: 'session_cache_bytes', kind: 'integer' },
  TYK_GW_UNKNOWNTOKENCACHEENTRIES: { path: 'unknown_token_cache_entries', kind: 'integer' },
  TYK_GW_HTTPSERVEROPTIONS_XFFDEPTH: { path: 'http_server_options.xff_depth', kind: 'integer' },
  TYK_GW_POLICIES_POLICYSOURCE: { path: 'policies.policy_source', kind: 'string' },
  TYK_GW_POLICIES_POLICYRECORDNAME: { path: 'policies.policy_record_name', kind: 'string' },
  TYK_GW_POLICIES_POLICYPATH: { path: 'policies.policy_path', kind: 'string' },
  TYK_GW_POLICIES_ALLOWEXPLICITPOLICYID: { path: 'policies.allow_explicit_policy_id', kind: 'boolean' },
  TYK_GW_STORAGE_TYPE: { path: 'storage.type', kind: 'string' },
  TYK_GW_STORAGE_PATH: { path: 'storage.path', kind: 'string' },
  TYK_GW_STORAGE_HOST: { path: 'storage.host', kind: 'string' },
  TYK_GW_STORAGE_PORT: { path: 'storage.port', kind: 'integer' },
  TYK_GW_STORAGE_USERNAME: { path: 'storage.username', kind: 'string' },
  TYK_GW_STORAGE_PASSWORD: { path: 'storage.password', kind: 'string' },
  TYK_GW_STORAGE_DATABASE: { path: 'storage.database', kind: 'integer' },
  TYK_GW_STORAGE_ADDRS: { path: 'storage.addrs', kind: 'list' },
  TYK_GW_STORAGE_MASTERNAME: { path: 'storage.master_name', kind: 'string' },
  TYK_GW_STORAGE_USESSL: { path: 'storage.use_ssl', kind: 'boolean' },
  TYK_GW_STORAGE_MAXIDLE: { path: 'storage.optimisation_max_idle', kind: 'integer' },
  TYK_GW_STORAGE_MAXACTIVE: { path: 'storage.optimisation_max_active', kind: 'integer' },
  TYK_GW_STORAGE_ENABLECLUSTER: { path: 'storage.enable_cluster', kind: 'boolean' },
  TYK_GW_STORAGE_KEYPREFIX: { path: 'storage.key_prefix', kind: 'string' }
}

// Go's strconv.ParseBool, which envconfig uses.
const TRUE_WORDS: readonly string[] = ['1', 't', 'T', 'TRUE', 'true', 'True']
const FALSE_WORDS: readonly string[] = ['0', 'f', 'F', 'FALSE', 'false', 'False']

const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'file not found',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a folder'
}

const checker = TypeCompiler.Compile(ConfigSchema)

type JsonObject = Record<string, unknown>

export function loadConfig (options: { path?: string, env?: NodeJS.ProcessEnv } = {}): Config {
  const raw = options.path === undefined ? {} : readConfigFile(options.path)
  const fromEnv = applyEnv(raw, options.env ?? process.env)
  const config = Value.Default(ConfigSchema, raw)
  if (!checker.Check(config)) throw validationError(config, fromEnv)
  config.log_level = logLevelOf(config.log_level, fromEnv.get('log_level') ?? 'tyk.conf', options.env ?? process.env)
  return deepFreeze(config)
}

/** The levels Tyk accepts, in any case (gateway/server.go, initSystem; log/log.go). */
export const LOG_LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error']

/**
 * The effective level, lower-cased. A set TYK_LOGLEVEL wins and the config's is not even
 * checked; an invalid one leaves Tyk at info (log/log.go), and the start warns about it. An
 * invalid log_level stops Tyk (mainLog.Fatalf), so it is a ConfigError here.
 */
function logLevelOf (configured: string, source: string, env: NodeJS.ProcessEnv): string {
  const fromEnv = (env.TYK_LOGLEVEL ?? '').toLowerCase()
  if (fromEnv !== '') return LOG_LEVELS.includes(fromEnv) ? fromEnv : 'info'
  const level = configured.toLowerCase()
  if (level === '') return 'info'
  if (LOG_LEVELS.includes(level)) return level
  throw new ConfigError(`${source}: log_level must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(configured)})`)
}

function readConfigFile (path: string): JsonObject {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const reason = READ_FAILURES[(err as NodeJS.ErrnoException).code ?? ''] ?? (err as Error).message
    throw new ConfigError(`${path}: cannot read the config file: ${reason}`, { cause: err })
  }
  const result = parseJson(text)
  if (!result.ok) {
    const syntaxError = result.syntaxError
    throw new ConfigError(syntaxError === undefined ? `${path}: ${result.problem}` : `${path}: invalid JSON${where(text, syntaxError)}: ${syntaxError}`)
  }
  const parsed = result.value
  if (!isObject(parsed)) {
    throw new ConfigError(`${path}: the config must be a JSON object (got ${describeValue(parsed)})`)
  }
  return parsed
}

/** " at line L, column C" from V8's "at position N", or '' when the message has none. */
function where (text: string, message: string): string {
  const match = /position (\d+)/.exec(message)
  if (match?.[1] === undefined) return ''
  const before = text.slice(0, Number(match[1])).split('\n')
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

/** Writes each set TYK_GW_* variable into `raw`; returns which variable set which field. */
function applyEnv (raw: JsonObject, env: NodeJS.ProcessEnv): Map<string, string> {
  const fromEnv = new Map<string, string>()
  for (const [name, { path, kind }] of Object.entries(ENV_OVERRIDES)) {
    const text = env[name]
    if (text === undefined) continue
    const segments = path.split('.')
    const field = segments.pop() as string
    let target: unknown = raw
    for (const segment of segments) {
      if (isObject(target) && target[segment] === undefined) target[segment] = {}
      target = isObject(target) ? target[segment] : undefined
    }
    // A parent that is not an object is the file's error; validation reports it.
    if (!isObject(target)) continue
    target[field] = parseEnv(name, text, kind)
    fromEnv.set(path, name)
  }
  return fromEnv
}

function parseEnv (name: string, text: string, kind: EnvKind): unknown {
  switch (kind) {
    case 'string':
      return text
    case 'list':
      // envconfig splits slices on commas and leaves an empty value empty.
      return text.trim() === '' ? [] : text.split(',')
    case 'integer': {
      const value = Number(text)
      if (/^[+-]?\d+$/.test(text) && Number.isSafeInteger(value)) return value
      throw new ConfigError(`${name} must be a decimal integer (got ${JSON.stringify(text)})`)
    }
    case 'number': {
      const value = Number(text)
      if (text.trim() !== '' && Number.isFinite(value)) return value
      throw new ConfigError(`${name} must be a decimal number (got ${JSON.stringify(text)})`)
    }
    case 'boolean': {
      if (TRUE_WORDS.includes(text)) return true
      if (FALSE_WORDS.includes(text)) return false
      throw new ConfigError(`${name} must be one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')} (got ${JSON.stringify(text)})`)
    }
  }
}

function validationError (config: unknown, fromEnv: Map<string, string>): ConfigError {
  const error = checker.Errors(config).First()
  if (error === undefined) return new ConfigError('tyk.conf: invalid configuration')
  const field = error.path.split('/').slice(1).join('.') || 'config'
  const source = fromEnv.get(field) ?? 'tyk.conf'
  return new ConfigError(`${source}: ${field} must be ${expectation(error.schema)} (got ${describeValue(error.value)})`)
}

function expectation (schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) {
    const values = (schema.anyOf as TSchema[]).map((member) => member.const === '' ? '""' : String(member.const))
    return `one of ${values.join(', ')}`
  }
  switch (schema.type) {
    case 'integer': {
      const { minimum, maximum } = schema as { minimum?: number, maximum?: number }
      if (minimum !== undefined && maximum !== undefined) return `an integer between ${minimum} and ${maximum}`
      return minimum === undefined ? 'an integer' : `an integer >= ${minimum}`
    }
    case 'number': {
      const { minimum } = schema as { minimum?: number }
      return minimum === undefined ? 'a number' : `a number >= ${minimum}`
    }
    case 'boolean': return 'a boolean (true or false)'
    case 'string': return 'a string'
    case 'array': return 'an array of strings'
    case 'object': return 'an object'
    default: return 'valid'
  }
}

function describeValue (value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value)
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
