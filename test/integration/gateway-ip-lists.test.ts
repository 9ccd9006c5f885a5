import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'
import { IpList, realClientIp } from '../../src/core/client-ip.js'

async function setup (t: { after: (fn: () => Promise<void>) => void }, apis: Array<Record<string, unknown>>): Promise<{ gh: TestGatehouse, upstream: EchoUpstream }> {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  for (const fields of apis) {
    const apiId = String(fields.api_id)
    writeJson(apps, `${apiId}.json`, anApi({ listen_path: `/${apiId}/`, target: upstream.url, keyless: true, ...fields, api_id: apiId }))
  }
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh, upstream }
}

async function statusFrom (gh: TestGatehouse, path: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${gh.url}${path}`, { headers })
  await res.arrayBuffer()
  return res.status
}

test('allowed_ips: other IPs get Tyk\'s 403 before authentication; CIDR ranges; the real IP comes from X-Real-IP, then X-Forwarded-For', async (t) => {
  const { gh, upstream } = await setup(t, [
    { api_id: 'keyed', keyless: false, allowed_ips: ['127.0.0.1', '10.0.0.0/8', 'not-an-ip'] }
  ])
  const refused = await fetch(`${gh.url}/keyed/x`, { headers: { 'x-real-ip': '192.168.1.9' } })
  assert.equal(refused.status, 403)
  assert.deepEqual(await refused.json(), { error: 'access from this IP has been disallowed' })
  assert.equal(await statusFrom(gh, '/keyed/x'), 401, 'the loopback client is allowed: then the missing key')
  assert.equal(await statusFrom(gh, '/keyed/x', { 'x-forwarded-for': '10.9.9.9, 192.168.1.9' }), 401, 'the first X-Forwarded-For entry, inside 10.0.0.0/8')
  assert.equal(await statusFrom(gh, '/keyed/x', { 'x-forwarded-for': '11.0.0.1' }), 403)
  assert.equal(await statusFrom(gh, '/keyed/x', { 'x-real-ip': 'garbage', 'x-forwarded-for': '11.0.0.1' }), 403, 'an X-Real-IP that is no IP falls through')
  assert.equal(await statusFrom(gh, '/keyed/x', { 'x-forwarded-for': 'garbage' }), 401, 'then the TCP peer')
  assert.equal(upstream.hits(), 0)

  const created = (await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', access_rights: { keyed: { api_id: 'keyed' } } })).json as { key: string, key_hash: string }
  assert.equal(await statusFrom(gh, '/keyed/x', { authorization: created.key, 'x-real-ip': '10.1.2.3' }), 200)
  assert.equal(await statusFrom(gh, '/keyed/x', { authorization: created.key, 'x-real-ip': '172.16.0.1' }), 403, 'a good key does not help')
  const records = (await gh.admin('GET', `/tyk/analytics/records?key_hash=${created.key_hash}`)).json as { records: Array<{ ip_address: string, response_code: number }> }
  assert.deepEqual(records.records.map((r) => [r.ip_address, r.response_code]), [['10.1.2.3', 200]], 'analytics record the real IP; refused requests carry no key')
  const refusedByApi = (await gh.admin('GET', '/tyk/analytics/records?api_id=keyed&limit=100')).json as { records: Array<{ ip_address: string, response_code: number }> }
  assert.ok(refusedByApi.records.some((r) => r.ip_address === '172.16.0.1' && r.response_code === 403))
})

test('blacklisted_ips: listed IPs and ranges (IPv4 and IPv6) get 403, others pass; the allow list runs first', async (t) => {
  const { gh } = await setup(t, [
    { api_id: 'deny', blacklisted_ips: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'] },
    { api_id: 'both', allowed_ips: ['10.0.0.0/8'], blacklisted_ips: ['10.1.0.0/16'] }
  ])
  assert.equal(await statusFrom(gh, '/deny/x', { 'x-real-ip': '10.200.0.1' }), 403)
  assert.equal(await statusFrom(gh, '/deny/x', { 'x-real-ip': '2001:db8::5' }), 403)
  assert.equal(await statusFrom(gh, '/deny/x', { 'x-real-ip': '192.168.1.7' }), 403)
  assert.equal(await statusFrom(gh, '/deny/x', { 'x-real-ip': '192.168.1.8' }), 200)
  assert.equal(await statusFrom(gh, '/deny/x', { 'x-real-ip': '2001:db9::5' }), 200)
  assert.equal(await statusFrom(gh, '/deny/x'), 200)
  assert.equal(await statusFrom(gh, '/both/x', { 'x-real-ip': '10.2.0.1' }), 200)
  assert.equal(await statusFrom(gh, '/both/x', { 'x-real-ip': '10.1.0.1' }), 403, 'allowed, then denied')
  assert.equal(await statusFrom(gh, '/both/x', { 'x-real-ip': '8.8.8.8' }), 403)
})

test('IP lists are enforced when non-empty unless ip_access_control_disabled, which enable_ip_* overrides (Tyk\'s rule)', async (t) => {
  const { gh } = await setup(t, [
    { api_id: 'default', allowed_ips: ['10.0.0.1'] },
    { api_id: 'off', allowed_ips: ['10.0.0.1'], blacklisted_ips: ['127.0.0.1'], ip_access_control_disabled: true },
    { api_id: 'forced', allowed_ips: ['10.0.0.1'], ip_access_control_disabled: true, enable_ip_whitelisting: true },
    { api_id: 'empty', allowed_ips: [], enable_ip_whitelisting: true }
  ])
  assert.equal(await statusFrom(gh, '/default/x'), 403, 'enable_ip_whitelisting false is not enough to turn a list off')
  assert.equal(await statusFrom(gh, '/off/x'), 200)
  assert.equal(await statusFrom(gh, '/forced/x'), 403)
  assert.equal(await statusFrom(gh, '/forced/x', { 'x-real-ip': '10.0.0.1' }), 200)
  assert.equal(await statusFrom(gh, '/empty/x'), 200, 'an empty list allows everyone')
})

test('IpList and realClientIp: IPv4-mapped peers, bad CIDRs skipped, header order', () => {
  const list = new IpList(['127.0.0.0/8', '10.0.0.0/40', 'fe80::/10', ' 192.168.0.1 '])
  assert.equal(list.has('::ffff:127.0.0.5'), true)
  assert.equal(list.has('10.0.0.1'), false, 'a prefix too long for IPv4 is skipped')
  assert.equal(list.has('fe80::1'), true)
  assert.equal(list.has('192.168.0.1'), true)
  assert.equal(list.has(''), false)
  assert.equal(realClientIp('1.2.3.4', '5.6.7.8', '9.9.9.9'), '1.2.3.4')
  assert.equal(realClientIp(undefined, ' 5.6.7.8 , 1.1.1.1', '9.9.9.9'), '5.6.7.8')
  assert.equal(realClientIp('x', 'y', '9.9.9.9'), '9.9.9.9')
  assert.equal(realClientIp(undefined, '1.1.1.1, 2.2.2.2 , 3.3.3.3', '9.9.9.9', 1), '3.3.3.3', 'xff_depth 1: the right-most')
  assert.equal(realClientIp(undefined, '1.1.1.1, 2.2.2.2 , 3.3.3.3', '9.9.9.9', 2), '2.2.2.2')
  assert.equal(realClientIp(undefined, '1.1.1.1, 2.2.2.2 , 3.3.3.3', '9.9.9.9', 4), '9.9.9.9', 'out of range: the peer')
})

test('http_server_options.xff_depth picks the client from the right of X-Forwarded-For', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'api.json', anApi({ api_id: 'api', listen_path: '/api/', target: upstream.url, keyless: true, allowed_ips: ['10.0.0.2'] }))
  const gh = await startTestGatehouse({ app_path: apps, http_server_options: { xff_depth: 1 } })
  t.after(async () => { await gh.close(); await upstream.close() })
  assert.equal(await statusFrom(gh, '/api/x', { 'x-forwarded-for': '10.0.0.1, 10.0.0.2' }), 200)
  assert.equal(await statusFrom(gh, '/api/x', { 'x-forwarded-for': '10.0.0.2, 10.0.0.1' }), 403, 'a client-supplied left-most entry is not trusted')
})
