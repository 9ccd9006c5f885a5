import type { ApiDefinition } from '../model/api-definition.js'

/** The upstream URLs of an API: target_list when load balancing (Tyk adds http:// to a bare host). */
export function upstreamUrlsOf (definition: ApiDefinition): string[] {
  const { proxy } = definition
  if (!proxy.enable_load_balancing || proxy.target_list.length === 0) return [proxy.target_url]
  return proxy.target_list.map((entry) => /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `http://${entry}`)
}
