import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadConfig } from './load-config.js'
import { startGatehouse } from '../main.js'
import { startSampleUpstream } from './sample-upstream.js'
import { configWarnings } from './config-warnings.js'

export interface QuickstartOptions {
  readonly dir: string
  readonly port: number
}

const SAMPLE_ORG = 'sample-org'
const SAMPLE_API_ID = 'sample-api'
const SAMPLE_POLICY_ID = 'sample-policy'

/**
 * One command to a working gateway: a secret kept in the data dir, a loopback upstream, a sample
 * API, policy and key, and curl lines to paste. Returns the function that stops it all.
 */
export async function runQuickstart (options: QuickstartOptions): Promise<(reason?: string) => Promise<void>> {
  const dir = resolve(options.dir)
  await mkdir(join(dir, 'apps'), { recursive: true })
  await mkdir(join(dir, 'policies'), { recursive: true })
  const secret = await readOrCreateSecret(join(dir, 'secret'))
  const upstream = await startSampleUpstream()
  await writeSampleFiles(dir, upstream.url)

  const config = loadConfig({
    env: {
      ...process.env,
      TYK_GW_SECRET: secret,
      TYK_GW_LISTENPORT: String(options.port),
      TYK_GW_LISTENADDRESS: '127.0.0.1',
      TYK_GW_APPPATH: join(dir, 'apps'),
      TYK_GW_POLICIES_POLICYRECORDNAME: join(dir, 'policies', 'policies.json'),
      TYK_GW_STORAGE_PATH: dir
    }
  })
  const gatehouse = await startGatehouse(config, { warnings: configWarnings(config, process.env) })
  const key = await replaceSampleKey(gatehouse.url, secret, join(dir, 'sample-key.hash'))
  printWelcome(gatehouse.url, secret, key, dir)
  return async (reason?: string) => {
    await gatehouse.close(reason)
    await upstream.close()
  }
}

async function readOrCreateSecret (file: string): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim()
    if (existing !== '') return existing
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = randomBytes(24).toString('hex')
  await writeFile(file, secret + '\n', { mode: 0o600 })
  return secret
}

/** Rewritten on every start: the upstream's port changes. */
async function writeSampleFiles (dir: string, upstreamUrl: string): Promise<void> {
  const api = {
    name: 'Sample API',
    api_id: SAMPLE_API_ID,
    org_id: SAMPLE_ORG,
    use_keyless: false,
    auth: { auth_header_name: 'Authorization' },
    version_data: { not_versioned: true, versions: { Default: { name: 'Default' } } },
    proxy: { listen_path: '/sample/', target_url: upstreamUrl, strip_listen_path: true },
    active: true
  }
  const policies = {
    [SAMPLE_POLICY_ID]: {
      name: 'Sample policy: 100 requests/s, 10,000 an hour',
      org_id: SAMPLE_ORG,
      rate: 100,
      per: 1,
      quota_max: 10000,
      quota_renewal_rate: 3600,
      access_rights: { [SAMPLE_API_ID]: { api_id: SAMPLE_API_ID, api_name: 'Sample API', versions: ['Default'] } },
      active: true,
      tags: ['sample']
    }
  }
  await writeFile(join(dir, 'apps', `${SAMPLE_API_ID}.json`), JSON.stringify(api, null, 2) + '\n')
  await writeFile(join(dir, 'policies', 'policies.json'), JSON.stringify(policies, null, 2) + '\n')
}

/**
 * The raw key is printed, never stored (keys are stored hashed); we keep only its hash, to
 * delete the previous run's sample key before making a new one.
 */
async function replaceSampleKey (url: string, secret: string, hashFile: string): Promise<string> {
  const headers = { 'x-tyk-authorization': secret, 'content-type': 'application/json' }
  try {
    const previous = (await readFile(hashFile, 'utf8')).trim()
    if (previous !== '') {
      const res = await fetch(`${url}/tyk/keys/${previous}?hashed=true`, { method: 'DELETE', headers })
      await res.arrayBuffer()
      // a refused delete went unnoticed once (issue 15): every start then added a key
      if (res.status !== 200 && res.status !== 404) process.stderr.write(`gatehouse: the previous sample key was not deleted (${res.status})\n`)
    }
  } catch {
    await rm(hashFile, { force: true })
  }
  const res = await fetch(`${url}/tyk/keys/create`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ org_id: SAMPLE_ORG, apply_policies: [SAMPLE_POLICY_ID], alias: 'quickstart', meta_data: { created_by: 'gatehouse quickstart' } })
  })
  const body = await res.json() as { key?: string, key_hash?: string, message?: string }
  if (res.status !== 200 || body.key === undefined) throw new Error(`could not create the sample key: ${res.status} ${body.message ?? ''}`)
  await writeFile(hashFile, (body.key_hash ?? '') + '\n')
  return body.key
}

function printWelcome (url: string, secret: string, key: string, dir: string): void {
  const lines = [
    '',
    `Gatehouse is running on ${url} (data in ${dir})`,
    '',
    `  secret (X-Tyk-Authorization): ${secret}`,
    `  sample key:                   ${key}`,
    '',
    'Try it:',
    `  curl -i ${url}/sample/anything -H 'Authorization: ${key}'`,
    `  curl -i ${url}/sample/anything                      # 401: no key`,
    `  curl -s ${url}/tyk/keys/${key} -H 'X-Tyk-Authorization: ${secret}'`,
    `  curl -s ${url}/tyk/keys/create -H 'X-Tyk-Authorization: ${secret}' -d '{"org_id":"${SAMPLE_ORG}","apply_policies":["${SAMPLE_POLICY_ID}"]}'`,
    `  curl -s ${url}/tyk/keys -H 'X-Tyk-Authorization: ${secret}'`,
    `  curl -s ${url}/tyk/openapi.json -H 'X-Tyk-Authorization: ${secret}'`,
    `  curl -s ${url}/hello`,
    '',
    'Stop with Ctrl-C. Keys survive restarts; the sample key is replaced on each start.',
    ''
  ]
  process.stdout.write(lines.join('\n'))
}
