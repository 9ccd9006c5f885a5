import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseApiDefinition } from '../../src/core/parse-api-definition.js'
import { unsupportedFeatures } from '../../src/core/unsupported-features.js'

const BASE = { api_id: 'a', proxy: { listen_path: '/a/', target_url: 'http://127.0.0.1:1' } }

function features (fields: Record<string, unknown>): { refuse: readonly string[], ignored: readonly string[] } {
  const parsed = parseApiDefinition({ ...BASE, ...fields })
  if (!parsed.ok) throw new Error(parsed.problem)
  return unsupportedFeatures(parsed.api)
}

const version = (fields: Record<string, unknown>): Record<string, unknown> => ({ version_data: { not_versioned: true, versions: { Default: { name: 'Default', ...fields } } } })

// issue 15 point 4: security features refuse the API, the rest is served and warned about
const cases: Array<{ name: string, fields: Record<string, unknown>, refuse?: string[], ignored?: string[] }> = [
  { name: 'a plain auth-token API uses nothing unsupported', fields: {} },
  { name: 'Tyk\'s own sample definitions use nothing unsupported', fields: { auth: { auth_header_name: 'authorization' }, ...version({ use_extended_paths: true, extended_paths: { ignored: [], white_list: [], black_list: [] } }) } },
  { name: 'basic auth', fields: { use_basic_auth: true }, refuse: ['use_basic_auth'] },
  { name: 'JWT', fields: { enable_jwt: true }, refuse: ['enable_jwt'] },
  { name: 'OAuth 2', fields: { use_oauth2: true }, refuse: ['use_oauth2'] },
  { name: 'HMAC signatures', fields: { enable_signature_checking: true }, refuse: ['enable_signature_checking'] },
  { name: 'OpenID', fields: { use_openid: true }, refuse: ['use_openid'] },
  { name: 'external OAuth', fields: { external_oauth: { enabled: true } }, refuse: ['external_oauth.enabled'] },
  { name: 'several at once are all named', fields: { use_basic_auth: true, enable_jwt: true }, refuse: ['use_basic_auth', 'enable_jwt'] },
  { name: 'a keyless API runs no auth in Tyk: its auth flags are inert', fields: { use_keyless: true, enable_jwt: true, use_basic_auth: true } },
  { name: 'mutual TLS is checked even on a keyless API', fields: { use_keyless: true, use_mutual_tls_auth: true }, refuse: ['use_mutual_tls_auth'] },
  { name: 'an internal API loads: the router keeps it off its listen path', fields: { internal: true }, refuse: [] },
  { name: 'coprocess auth plugin', fields: { enable_coprocess_auth: true, custom_middleware: { driver: 'grpc', auth_check: { name: 'MyAuth' } } }, refuse: ['enable_coprocess_auth'] },
  { name: 'custom plugin auth', fields: { custom_plugin_auth_enabled: true, custom_middleware: { driver: 'goplugin', auth_check: { name: 'Auth', path: 'p.so' } } }, refuse: ['custom_plugin_auth_enabled'] },
  { name: 'a disabled auth_check hook turns custom auth off', fields: { custom_plugin_auth_enabled: true, custom_middleware: { auth_check: { name: 'Auth', disabled: true } } } },
  { name: 'an auth_check without a custom-auth flag is inert', fields: { custom_middleware: { driver: 'otto', auth_check: { name: 'Auth' } } } },
  { name: 'identity from another auth method', fields: { base_identity_provided_by: 'jwt_claim' }, refuse: ['base_identity_provided_by'] },
  { name: 'identity from the auth token is ours', fields: { base_identity_provided_by: 'auth_token' } },
  { name: 'a key bound to a certificate', fields: { auth: { use_certificate: true } }, refuse: ['auth.use_certificate'] },
  { name: 'auth_configs.authToken is the auth block that counts', fields: { auth_configs: { authToken: { validate_signature: true } } }, refuse: ['auth_configs.authToken.validate_signature'] },
  { name: 'CORS', fields: { CORS: { enable: true, allowed_origins: ['*'] } }, ignored: ['CORS.enable'] },
  { name: 'CORS settings without enable are inert', fields: { CORS: { allowed_origins: ['*'] } } },
  { name: 'caching', fields: { cache_options: { enable_cache: true, cache_timeout: 60 } }, ignored: ['cache_options.enable_cache'] },
  { name: 'plugins other than auth', fields: { custom_middleware: { pre: [{ name: 'a' }], post: [{ name: 'b', disabled: true }], response: [{ name: 'c' }] } }, ignored: ['custom_middleware.pre', 'custom_middleware.response'] },
  { name: 'API-wide switches', fields: { enable_context_vars: true, enable_batch_request_support: true, enable_detailed_recording: true, tag_headers: ['x-team'], session_lifetime: 60 }, ignored: ['enable_context_vars', 'enable_batch_request_support', 'enable_detailed_recording', 'tag_headers', 'session_lifetime'] },
  { name: 'response processors and uptime tests', fields: { response_processors: [{ name: 'header_injector' }], uptime_tests: { check_list: [{ url: 'http://x' }] } }, ignored: ['response_processors', 'uptime_tests.check_list'] },
  { name: 'empty lists are off', fields: { response_processors: [], uptime_tests: { check_list: [] }, tag_headers: [] } },
  { name: 'version data stripping is served (strip_versioning_data, strip_path, url_versioning_pattern)', fields: { definition: { location: 'url', key: '', strip_versioning_data: true, strip_path: true, url_versioning_pattern: '^v\\d+$' } } },
  { name: 'upstream transport settings', fields: { proxy: { ...BASE.proxy, transport: { proxy_url: 'http://squid:3128', ssl_insecure_skip_verify: true } } }, ignored: ['proxy.transport.ssl_insecure_skip_verify', 'proxy.transport.proxy_url'] },
  // issue 16: Tyk's router reads {name} in a listen path as one path segment (gorilla mux); ours matches it literally
  { name: 'listen path variables', fields: { proxy: { ...BASE.proxy, listen_path: '/users/{id}/' } }, ignored: ['proxy.listen_path {variables}'] },
  { name: 'braces that are not a variable', fields: { proxy: { ...BASE.proxy, listen_path: '/a{b/' } } },
  { name: 'service discovery', fields: { proxy: { ...BASE.proxy, service_discovery: { use_discovery_service: true } } }, ignored: ['proxy.service_discovery.use_discovery_service'] },
  {
    name: 'version middleware: transforms, rewrites, size limits, timeouts, breakers, virtual endpoints',
    fields: version({
      use_extended_paths: true,
      extended_paths: {
        white_list: [{ path: '/a' }],
        transform: [{ path: '/t', method: 'POST' }],
        transform_headers: [{ path: '/h', method: 'GET' }],
        url_rewrites: [{ path: '/r', match_pattern: '.*' }],
        size_limits: [{ path: '/s', size_limit: 10 }],
        hard_timeouts: [{ path: '/h', timeout: 1 }],
        circuit_breakers: [{ path: '/c', threshold_percent: 0.5 }],
        virtual: [{ path: '/v', disabled: true }],
        validate_json: [{ path: '/j' }],
        transform_response: []
      }
    }),
    ignored: ['transform', 'transform_headers', 'url_rewrites', 'size_limits', 'hard_timeouts', 'circuit_breakers', 'validate_json'].map((list) => `version_data.versions.Default.extended_paths.${list}`)
  },
  { name: 'extended_paths are read only with use_extended_paths', fields: version({ extended_paths: { transform: [{ path: '/t' }] } }) },
  {
    name: 'version-wide headers, size limit and upstream override',
    fields: version({ global_headers: { 'x-a': '1' }, global_headers_remove: ['x-b'], global_size_limit: 1024, override_target: 'http://other' }),
    ignored: ['override_target', 'global_headers', 'global_headers_remove', 'global_size_limit'].map((field) => `version_data.versions.Default.${field}`)
  },
  { name: 'disabled version-wide headers are off', fields: version({ global_headers: { 'x-a': '1' }, global_headers_disabled: true, global_size_limit: 10, global_size_limit_disabled: true }) }
]

for (const c of cases) {
  test(c.name, () => {
    const found = features(c.fields)
    assert.deepEqual(found.refuse, c.refuse ?? [], 'refuse')
    assert.deepEqual(found.ignored, c.ignored ?? [], 'ignored')
  })
}
